"""A service's log output: one JSON object a line (eventlog/log_format.py), with the service's name, and
the event and correlation ids of what it was handling — a consumed record, a command."""

from __future__ import annotations

import io
import logging
from uuid import uuid4

import orjson

from contracts.events import NominationSubmitted
from contracts.topics import NOMINATIONS
from eventlog.log_format import JsonFormatter
from tests.integration.quota_support import start_quota, wait_decided
from tests.support.events import LogWriter, registered, submitted
from tests.support.intake import events_of, nomination_body
from tests.support.kafka import read_topic


def _json_lines(text: str) -> list[dict]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


async def test_the_quota_process_logs_json_lines_naming_the_record_it_could_not_take(env, tmp_path):
    log_path = tmp_path / "quota.log"
    quota = start_quota(env, log_path)
    unit, cause = "unit-log", uuid4()
    # An event of a campaign nobody opened: decoded, so its ids are known, but not decidable.
    stranger = submitted(unit).model_copy(update={"campaign": "kczg-1999", "correlation_id": cause})
    try:
        async with LogWriter() as log:
            await log.open_campaign()
            await log.unit_stream([registered(unit, "national_society"), stranger])
            await log.raw(NOMINATIONS.name, f"kczg-2022:{unit}".encode(), b"\x00 not json")
            await log.unit_stream([submitted(unit)])
        await wait_decided(env["DATABASE_URL"], 1, quota)
    finally:
        quota.stop()
    lines = _json_lines(log_path.read_text())  # every line parses: uvicorn's and aiokafka's too
    assert lines and {line["service"] for line in lines} == {"quota"}
    letters = [line for line in lines if line["logger"] == "eventlog.consume.deadletter"]
    named = next(line for line in letters if line.get("event_id") == str(stranger.event_id))
    assert named["level"] == "WARNING" and named["correlation_id"] == str(cause)
    assert (named["consumer"], named["topic"]) == ("quota", NOMINATIONS.name)
    assert isinstance(named["offset"], int) and "unknown campaign: kczg-1999" in named["message"]
    poison = next(line for line in letters if "undecodable" in line["message"])
    assert "event_id" not in poison and poison["offset"] == named["offset"] + 1


async def test_a_command_logs_with_the_ids_of_the_events_it_decided(intake):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("intake"))
    logger = logging.getLogger("eventlog.write.unit_of_work")
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        headers = {**intake.keys.headers("unit", "unit-a"), "Idempotency-Key": "log-context-0001"}
        r = await intake.post("/v1/nominations", json=nomination_body(), headers=headers)
        assert r.status_code == 202, r.text
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)
    (event,) = events_of(await read_topic(NOMINATIONS.name), NominationSubmitted)
    (line,) = [line for line in _json_lines(out.getvalue()) if "committed" in line["message"]]
    assert line["service"] == "intake" and line["message"] == "SubmitNomination committed: NominationSubmitted"
    assert (line["event_id"], line["correlation_id"]) == (str(event.event_id), str(event.event_id))
