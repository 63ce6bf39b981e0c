"""A view's decoder lifts old versions of the types it reads, exactly as the contracts' upcasters do, and
spends nothing on old versions of the types it skips."""

from __future__ import annotations

import orjson
import pytest

from contracts.upcasting import UPCASTERS, upcaster
from eventlog.consume.event_decoding import PoisonEvent
from services.publish.views import RANKINGS

NOMINATION = "00000000-0000-4000-8000-0000000000aa"


def prelim(version: int, aggregate, raw_sum) -> bytes:
    return orjson.dumps({
        "event_id": "00000000-0000-4000-8000-000000000001", "type": "PrelimScored", "schema_version": version,
        "occurred_at": "2022-11-20T08:00:00Z", "campaign": "kczg-2022", "key": "kczg-2022:leading_tech:ai",
        "actor": {"role": "review_body", "id": "body-1"}, "causation_id": None, "correlation_id": None,
        "nomination_id": NOMINATION, "list_code": "leading_tech", "domain": "ai",
        "aggregate": aggregate, "raw_sum": raw_sum, "rank": 3, "expert_count": 7, "method": "trimmed_mean",
    })


@pytest.fixture
def counted_upcasters():
    """Every registered upcaster wrapped to count its calls, for this test only."""
    saved, calls = dict(UPCASTERS), []
    for (event_type, version), step in saved.items():
        upcaster(event_type, version)(lambda data, step=step, t=event_type: calls.append(t) or step(data))
    upcaster("ExpertAssigned", 1)(lambda data: calls.append("ExpertAssigned") or data)
    yield calls
    UPCASTERS.clear()
    UPCASTERS.update(saved)


def test_an_old_version_reads_as_its_upcast_form(counted_upcasters):
    # v1 carried float scores; v2 the two-place decimal strings the v1->v2 upcaster makes of them (half-even).
    old = RANKINGS.decoder.decode(prelim(1, 97.985, 685.875))
    assert old == RANKINGS.decoder.decode(prelim(2, "97.98", "685.88"))
    assert (str(old.aggregate), str(old.raw_sum), old.schema_version) == ("97.98", "685.88", 2)
    assert counted_upcasters == ["PrelimScored"]


def test_a_skipped_type_is_never_upcast(counted_upcasters):
    raw = orjson.dumps({"type": "ExpertAssigned", "schema_version": 1, "anything": [1, 2]})
    (event,) = RANKINGS.decoder.decode_each([raw])
    assert type(event).__name__ == "ExpertAssigned"
    assert counted_upcasters == []


def test_poison_is_returned_in_its_place_and_raised_alone():
    good, bad = prelim(2, "1.00", "7.00"), prelim(2, "not a number", "7.00")
    events = RANKINGS.decoder.decode_each([good, bad, None, good])
    assert [type(e).__name__ for e in events] == ["PrelimScored", "PoisonEvent", "PoisonEvent", "PrelimScored"]
    with pytest.raises(PoisonEvent):
        RANKINGS.decoder.decode(bad)
