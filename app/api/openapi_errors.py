"""Declare in /openapi.json the error answers every API operation can give, in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_BODY = {
    "type": "object",
    "title": "ErrorBody",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
EVERY_OPERATION = {
    "401": "Missing, unknown or revoked API key",
    "403": "The key's role may not do this",
    "422": "The request or the file could not be used",
    "429": "Rate limit exceeded for this key",
}
WITH_A_BODY = {
    "400": "The body could not be parsed",
    "413": "The body is larger than the upload limit",
}
WITH_A_PATH_ID = {"404": "No such object, or not one this key may see"}


def _error(description: str, reference: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": reference}}},
    }


def declare_error_responses(app: FastAPI, *, prefix: str = "/api/") -> None:
    """Add the shared error statuses to every API operation's documented responses."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "openapi_errors_declared", False) and app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorBody", ERROR_BODY)
        reference = "#/components/schemas/ErrorBody"
        for path, item in schema.get("paths", {}).items():
            if not path.startswith(prefix):
                continue
            for operation in item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                codes = dict(EVERY_OPERATION)
                if "requestBody" in operation:
                    codes.update(WITH_A_BODY)
                if "{" in path:
                    codes.update(WITH_A_PATH_ID)
                for code, description in codes.items():
                    operation["responses"].setdefault(code, _error(description, reference))
        app.openapi_schema = schema
        app.state.openapi_errors_declared = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
