"""What a fast lane needs — a path in front of a FastAPI app that answers its one ordinary request
itself (services/intake/fast_lane.py, services/review/fast_lane.py) and hands everything else to the
app, body and all: which media types FastAPI reads as JSON, reading a body whole, and replaying what
was read to the app behind."""

from __future__ import annotations

from starlette.types import Message, Receive


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this media type as JSON (application/json or application/*+json)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def read_body(receive: Receive, max_bytes: int) -> tuple[list[Message], bool]:
    """The messages of the body, and whether they are all of it: not cut short by a disconnect, nor
    past `max_bytes` (then the app behind refuses it as it reads on)."""
    read, size = [], 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return read, False
        size += len(message.get("body", b""))
        if size > max_bytes:
            return read, False
        if not message.get("more_body", False):
            return read, True


def replaying(read: list[Message], receive: Receive) -> Receive:
    """`receive` for the app behind: the messages already read, then the rest as they come."""
    pending = list(reversed(read))

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
