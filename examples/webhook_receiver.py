"""A minimal Vouch webhook receiver that verifies every delivery's signature (standard library only).

Run it with the secret Vouch showed when the subscription was created:

    VOUCH_WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py --port 8787

It answers 204 to a delivery whose `Vouch-Signature` is valid and recent, 400 to anything else, and
prints one JSON line per accepted event on stdout (a deal-desk script would act on it instead).
A delivery retried after a lost response carries the same `Vouch-Delivery` id; it is acknowledged
again but printed once.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 1024 * 1024


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Tell whether `Vouch-Signature: t=<unix>,v1=<hex>` signs `"<t>.<body>"` with the secret, recently."""
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, given) for given in signatures)


def make_handler(secret: str, path: str) -> type[BaseHTTPRequestHandler]:
    """Build a request handler bound to a secret and a path."""
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != path or not 0 < length <= MAX_BODY_BYTES:
                self.reply(404 if self.path != path else 400)
                return
            body = self.rfile.read(length)
            if not verify(secret, self.headers.get("Vouch-Signature", ""), body):
                print("refused a delivery with a bad or stale signature", file=sys.stderr)
                self.reply(400)
                return
            delivery = self.headers.get("Vouch-Delivery", "")
            if delivery not in seen:
                seen.add(delivery)
                event = json.loads(body)
                questionnaire = event["data"]["questionnaire"]
                line = {
                    "event": event["type"],
                    "delivery": delivery,
                    "questionnaire": questionnaire["id"],
                    "status": questionnaire["status"],
                    "summary": questionnaire["summary"],
                    "links": questionnaire["links"],
                }
                print(json.dumps(line), flush=True)
            self.reply(204)

        def reply(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def main() -> int:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--path", default="/hooks/vouch")
    args = parser.parse_args()
    secret = os.environ.get("VOUCH_WEBHOOK_SECRET", "")
    if not secret:
        print("set VOUCH_WEBHOOK_SECRET to the subscription's secret", file=sys.stderr)
        return 2
    server = ThreadingHTTPServer((args.host, args.port), make_handler(secret, args.path))
    print(f"listening on http://{args.host}:{server.server_port}{args.path}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
