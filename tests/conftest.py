from __future__ import annotations

import pytest

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
