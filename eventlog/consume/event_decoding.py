"""Decoding just the fields a view reads, fast (msgspec), with the envelope's type checked.

Every event type of the contracts is known to the decoder: the types a view reads decode into
the view's own small structs, every other known type into an empty placeholder, and an unknown
type or malformed JSON is poison (`PoisonEvent`). Live and rebuild use this one decoder, so they
read the log identically. Events of a type the view reads whose (type, schema_version) has an
upcaster take the slow path through `contracts.upcasting` — also when the old shape does not fit the
view's struct at all — so old versions read the same as they do for `decode_event`. A placeholder
reads no field, so an old version of a type the view skips is not lifted (nor paid for). That every
field of every view struct is its contract event's, with a type that reads it, is
tests/unit/test_view_structs_match_contracts.py's to show.
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
        self._read_tags = frozenset(read)
        self._union = Union[tuple(structs + placeholders)]  # type: ignore[valid-type]
        self._decoder = msgspec.json.Decoder(self._union)

    def decode(self, raw: bytes | None) -> ViewEvent:
        event = self.decode_each([raw])[0]
        if isinstance(event, PoisonEvent):
            raise event
        return event

    def decode_each(self, raws: list[bytes | None]) -> list[ViewEvent | PoisonEvent]:
        """Each raw's event, or the PoisonEvent that refuses it: one call per batch, not per record."""
        decode, read_tags, out = self._decoder.decode, self._read_tags, []
        for raw in raws:
            try:
                event = decode(raw or b"")
            except (msgspec.MsgspecError, ValueError, TypeError) as exc:
                # An old version may not fit the view's struct until it is upcast: try that before calling it poison.
                event = self._upcast_or_poison(raw, exc)
            else:
                # Only a type the view reads needs its old version lifted: a placeholder reads no field of it.
                if UPCASTERS and (tag := event.__struct_config__.tag) in read_tags and (tag, event.schema_version) in UPCASTERS:
                    event = self._upcast_or_poison(raw, None)
            out.append(event)
        return out

    def _upcast_or_poison(self, raw: bytes | None, failure: Exception | None) -> ViewEvent | PoisonEvent:
        try:
            return self._upcast(raw, failure)
        except PoisonEvent as poison:
            return poison

    def _upcast(self, raw: bytes | None, failure: Exception | None) -> ViewEvent:
        try:
            data = orjson.loads(raw or b"")
            if failure is not None and not (isinstance(data, dict) and needs_upcast(data)):
                raise failure
            # Read back through the one decoder: msgspec.convert into the union costs ten times as much.
            return self._decoder.decode(orjson.dumps(upcast(data)))
        except (msgspec.MsgspecError, ValueError, TypeError) as exc:  # orjson's errors are ValueError/TypeError
            raise PoisonEvent(str(exc)) from exc
