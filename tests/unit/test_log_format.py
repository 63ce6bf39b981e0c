"""The JSON log line every service writes (eventlog/log_format.py): one object a line, the service's
name, the event and correlation ids while one is handled, the caller's extra fields, the exception."""

from __future__ import annotations

import asyncio
import io
import logging
from uuid import uuid4

import orjson

from eventlog.log_format import JsonFormatter, configure_logging, done, handling, log_context, note


def _capture(service: str = "quota") -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter(service))
    logger = logging.getLogger(f"test.log_format.{uuid4().hex}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, out


def _lines(out: io.StringIO) -> list[dict]:
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


class _Event:
    def __init__(self, correlation_id=None) -> None:
        self.event_id, self.correlation_id = uuid4(), correlation_id


def test_a_line_carries_the_service_the_ids_in_context_and_the_extra_fields():
    logger, out = _capture()
    logger.info("outside")
    cause = uuid4()
    event = _Event(correlation_id=cause)
    token = handling(event)
    try:
        logger.warning("deciding %s", "n-1", extra={"consumer": "quota", "offset": 7})
    finally:
        done(token)
    with log_context(request="r-1") as fields:
        note(event_id="e-9", correlation_id=None)
        logger.info("noted")
        assert fields == {"request": "r-1", "event_id": "e-9"}
    logger.info("after")
    first, deciding, noted, after = _lines(out)
    assert first.keys() == {"ts", "level", "service", "logger", "message"} and first["service"] == "quota"
    assert first["ts"].endswith("Z") and first["level"] == "INFO" and first["message"] == "outside"
    assert deciding["message"] == "deciding n-1" and deciding["level"] == "WARNING"
    assert (deciding["event_id"], deciding["correlation_id"]) == (str(event.event_id), str(cause))
    assert (deciding["consumer"], deciding["offset"]) == ("quota", 7)
    assert (noted["event_id"], noted["request"]) == ("e-9", "r-1") and "correlation_id" not in noted
    assert "event_id" not in after  # the context ends with its handling


def test_a_root_event_is_its_own_correlation_and_each_task_sees_its_own_context():
    logger, out = _capture()
    a, b = _Event(), _Event()

    async def handle(event) -> None:
        token = handling(event)
        try:
            await asyncio.sleep(0.01)  # the other task runs meanwhile
            logger.info("handled")
        finally:
            done(token)

    async def both() -> None:
        await asyncio.gather(handle(a), handle(b))

    asyncio.run(both())
    ids = {(line["event_id"], line["correlation_id"]) for line in _lines(out)}
    assert ids == {(str(a.event_id), str(a.event_id)), (str(b.event_id), str(b.event_id))}


def test_the_exception_is_in_the_line_and_the_line_stays_one_line():
    logger, out = _capture("intake")
    try:
        raise ValueError("多行\n的错误")
    except ValueError:
        logger.exception("failed")
    assert len(out.getvalue().splitlines()) == 1
    (line,) = _lines(out)
    assert line["service"] == "intake" and line["level"] == "ERROR"
    assert "Traceback" in line["exc"] and "ValueError: 多行\n的错误" in line["exc"]


def test_configure_logging_puts_every_logger_on_one_json_handler(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    root, client, uvicorn = logging.getLogger(), logging.getLogger("aiokafka"), logging.getLogger("uvicorn")
    saved = root.handlers[:], root.level, client.level, uvicorn.handlers[:], uvicorn.propagate
    # As uvicorn's default logging config leaves it (an in-process server run earlier in this process).
    uvicorn.handlers[:], uvicorn.propagate = [logging.StreamHandler(io.StringIO())], False
    out = io.StringIO()
    try:
        configure_logging("review", stream=out)
        logging.getLogger("uvicorn.error").warning("from a library")
        logging.getLogger("review").info("below the level")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        client.setLevel(saved[2])
        uvicorn.handlers[:], uvicorn.propagate = saved[3], saved[4]
    (line,) = _lines(out)
    assert (line["service"], line["logger"], line["message"]) == ("review", "uvicorn.error", "from a library")
