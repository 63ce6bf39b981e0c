"""Refuse oversized request bodies (413 problem+json) before they are read into memory, whether the
request declares its length or streams it in chunks without one."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventlog.http.path_limits import limit_of
from eventlog.http.problems import problem


class BodySizeLimit:
    """`max_bytes` for every path, except the larger limits of `per_path` (e.g. uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_max = max_bytes
        self.per_path = per_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        max_bytes = limit_of(self.per_path, scope.get("path", ""), self.default_max)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return await self._refuse(scope, receive, send, max_bytes)
        seen, refused = 0, False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # A streamed body can pass the limit inside the app's own body parsing, which answers the error
            # its way (FastAPI: 400 "error parsing the body"); the answer is the refusal all the same.
            nonlocal refused
            if seen <= max_bytes:
                return await send(message)
            if not refused:
                refused = True
                await self._refuse(scope, receive, send, max_bytes)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not refused:
                await self._refuse(scope, receive, send, max_bytes)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = problem(413, "payload_too_large", f"请求体超过上限 {max_bytes // 1024} KiB。")
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass
