"""Read (and fill, if readable) one upload in a fresh process; print the outcome and peak memory."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    """Return this process's peak resident memory in MB."""
    # ru_maxrss survives exec on Linux, so it would report the parent's peak; VmHWM does not.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Measure the parse of the file named on the command line."""
    from app.core.errors import UnreadableWorkbook
    from app.core.formats import fill_questionnaire_file, read_questionnaire_file

    content = Path(sys.argv[1]).read_bytes()
    baseline = peak_mb()
    started = time.perf_counter()
    outcome: dict[str, object] = {"baseline_mb": round(baseline, 1)}
    try:
        detection = read_questionnaire_file(content)
        fill_questionnaire_file(content, detection, [])
        outcome.update(result="read", rows=len(detection.rows))
    except UnreadableWorkbook as exc:
        outcome.update(result="refused", error=type(exc).__name__, message=str(exc))
    except Exception as exc:  # noqa: BLE001 - the test reports any other exception as a crash
        outcome.update(result="crash", error=type(exc).__name__, message=str(exc))
    outcome.update(seconds=round(time.perf_counter() - started, 3), peak_mb=round(peak_mb(), 1))
    print(json.dumps(outcome))


if __name__ == "__main__":
    main()
