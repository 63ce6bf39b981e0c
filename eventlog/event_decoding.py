"""Decoding just the fields a view reads, fast (msgspec), with the envelope's type checked.

Every event type of the contracts is known to the decoder: the types a view reads decode into
the view's own small structs, every other known type into an empty placeholder, and an unknown
type or malformed JSON is poison (`PoisonEvent`). Live and rebuild use this one decoder, so they
read the log identically. Events whose (type, schema_version) has an upcaster take the slow path
through `contracts.upcasting` — also when the old shape does not fit the view's struct at all — so old
versions read the same as they do for `decode_event`. That every field of every view struct is its
contract event's, with a type that reads it, is tests/unit/test_view_structs_match_contracts.py's to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Union

import msgspec
import orjson

from contracts.events import EVENT_TYPES
from contracts.upcasting import UPCASTERS, needs_upcast, upcast


class ViewEvent(msgspec.Struct, tag_field="type", tag=True, gc=False):
    """Base of the structs a view decodes. The class name is the event type it reads."""

    schema_version: int = 1


class PoisonEvent(ValueError):
    """A record no view can read: malformed JSON, an unknown type or a wrong field type."""


class EventDecoder:
    def __init__(self, structs: Iterable[type[ViewEvent]]) -> None:
        structs = list(structs)
        read = {s.__struct_config__.tag for s in structs}
        if unknown := read - EVENT_TYPES.keys():
            raise ValueError(f"view structs for types the contracts do not define: {sorted(unknown)}")
        # Types the view ignores still decode (their type is checked) but none of their fields do.
        placeholders = [msgspec.defstruct(t, [], bases=(ViewEvent,), tag=t, module=__name__)
                        for t in EVENT_TYPES if t not in read]
        self.read_types = tuple(structs)
        self._union = Union[tuple(structs + placeholders)]  # type: ignore[valid-type]
        self._decoder = msgspec.json.Decoder(self._union)

    def decode(self, raw: bytes | None) -> ViewEvent:
        try:
            event = self._decoder.decode(raw or b"")
        except (msgspec.MsgspecError, ValueError, TypeError) as exc:
            # An old version may not fit the view's struct until it is upcast: try that before calling it poison.
            return self._upcast(raw, exc)
        if UPCASTERS and (event.__struct_config__.tag, event.schema_version) in UPCASTERS:
            return self._upcast(raw, None)
        return event

    def _upcast(self, raw: bytes | None, failure: Exception | None) -> ViewEvent:
        try:
            data = orjson.loads(raw or b"")
            if failure is not None and not (isinstance(data, dict) and needs_upcast(data)):
                raise failure
            return msgspec.convert(upcast(data), self._union)
        except (msgspec.MsgspecError, ValueError, TypeError) as exc:
            raise PoisonEvent(str(exc)) from exc
