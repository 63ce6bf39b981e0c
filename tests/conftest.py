from __future__ import annotations

import pytest

from eventlog.clock import FixedClock
from tests.support.events import open_campaign, register_units
from tests.support.intake import IN_COLLECTION, UNITS, Keys, intake_in_process, units_seen, wait_for
from tests.support.isolation import isolated_env
from tests.support.stack import real_stack


@pytest.fixture(scope="session")
def stack_env():
    """The real broker and database for the whole session (see tests/support/stack.py)."""
    with real_stack() as env:
        yield env


@pytest.fixture
async def env(stack_env):
    """A fresh database and topic set for one test, exported to this process's environment."""
    async with isolated_env(stack_env) as e:
        yield e


@pytest.fixture
async def intake(env, tmp_path):
    """The intake in-process on the test's own database and topics: campaign kczg-2022 open, units
    unit-a (one channel) and unit-b (two channels) registered, the clock at 2022-10-15 10:00 Beijing."""
    keys = Keys(tmp_path)
    await open_campaign()
    await register_units(UNITS)
    clock = FixedClock(IN_COLLECTION)
    async with intake_in_process(keys, clock) as client:
        client.keys, client.clock = keys, clock
        await wait_for(lambda: units_seen(client, len(UNITS)))
        yield client
