"""A dependency is called down only when a probe and the one right after it both fail (eventlog/http/health.py):
one probe missed by a busy process must not refuse every write for a second."""

from __future__ import annotations

import asyncio

from eventlog.http.health import Dependencies


def probes(*answers: bool):
    """A probe that answers (or hangs past the timeout) as listed, one answer per call; counts its calls."""
    calls = []

    def probe():
        async def call():
            ok = answers[len(calls)]
            calls.append(ok)
            if not ok:
                await asyncio.sleep(1)  # past the probe's timeout
        return call()
    return probe, calls


def deps() -> Dependencies:
    return Dependencies(pool=None, producer=None, timeout_s=0.02, service="probe-test")


async def test_one_missed_probe_leaves_the_broker_up():
    d, (probe, calls) = deps(), probes(False, True)
    assert await d._still_answers("broker", probe) is True
    assert calls == [False, True]


async def test_two_missed_probes_in_a_row_call_it_down_and_one_answer_brings_it_back():
    d = deps()
    probe, calls = probes(False, False)
    d._record("broker", await d._still_answers("broker", probe))
    assert (d.broker_up, calls) == (False, [False, False])
    probe, calls = probes(False)  # while down, one failure is enough: no second probe
    d._record("broker", await d._still_answers("broker", probe))
    assert (d.broker_up, calls) == (False, [False])
    probe, calls = probes(True)
    d._record("broker", await d._still_answers("broker", probe))
    assert (d.broker_up, calls) == (True, [True])
