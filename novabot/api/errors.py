"""Errors as OpenAI's API words them, so OpenAI clients raise their usual exceptions:
`{"error": {"message", "type", "param", "code"}}` with the matching HTTP status."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler

log = logging.getLogger(__name__)

INVALID_REQUEST = "invalid_request_error"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str = INVALID_REQUEST,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    @property
    def body(self) -> dict[str, object]:
        return {
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        }

    def response(self) -> web.Response:
        return web.json_response(self.body, status=self.status, headers=self.headers)


def bad_request(message: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, param=param)


@web.middleware
async def error_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure under /v1 as OpenAI-style JSON, aiohttp's own (405 …) included."""
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return ApiError(exc.status, exc.reason, headers=_kept(exc.headers)).response()
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("API request %s %s failed [error %s]", request.method, request.path, error_id)
        message = f"Nova failed on its side (error id {error_id})."
        return ApiError(500, message, kind="server_error").response()


def _kept(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() == "allow"}
