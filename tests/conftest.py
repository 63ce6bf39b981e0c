from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from eventlog.clock import FixedClock
from tests.support import serial
from tests.support.events import open_campaign, register_units
from tests.support.intake import IN_COLLECTION, UNITS, Keys, intake_in_process, units_seen, wait_for
from tests.support.isolation import isolated_env
from tests.support.stack import StackProvider, from_controller, real_stack

# No per-example deadline: the suite runs two workers per core beside the service processes it starts, so an
# example's wall time measures the machine's load, not the code (two property tests failed only under load).
# Speed is the benches' business.
settings.register_profile("kczg", deadline=None)
settings.load_profile("kczg")

# --- one session, several xdist workers ---------------------------------------------------------------------
# The controller makes a directory for the session, owns the stack (tests/support/stack.py) and hands the
# directory to each worker; workers hold the serial lock (tests/support/serial.py) in it around every test.


def _session_dir(config: pytest.Config) -> Path | None:
    if hasattr(config, "workerinput"):
        return Path(config.workerinput["kczg_session_dir"])
    return None  # one process: no one beside it


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "serial: runs with no other test beside it (it stops something every "
                                       "test shares: the broker, the database); see tests/support/serial.py")
    distributed = getattr(config.option, "dist", "no") != "no" and getattr(config.option, "tx", None)
    if distributed and not hasattr(config, "workerinput"):
        config._kczg_session_dir = Path(tempfile.mkdtemp(prefix="kczg-tests-"))
        config._kczg_stack = StackProvider(config._kczg_session_dir, eager=_selects_the_stack(config))


def _selects_the_stack(config: pytest.Config) -> bool:
    """Whether the session's arguments select tests that need the broker and database (known before the
    workers have collected anything): not `-m "not integration"`, nor only tests/unit and tests/deploy."""
    if "not integration" in (config.option.markexpr or ""):
        return False
    root = config.rootpath.resolve()
    paths = [(config.invocation_params.dir / arg.split("::")[0]).resolve() for arg in config.args]
    return any(not path.is_relative_to(root / "tests" / "unit") and not path.is_relative_to(root / "tests" / "deploy")
               for path in paths)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core. The suite mostly waits (on the broker, the database, service processes,
    polls): on 2 cores 4 workers ran it in 11.5 min, 2 workers in 15 (README "Tests"). `-n N` overrides."""
    return 2 * len(os.sched_getaffinity(0))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # xdist, in the controller: before the worker starts
    node.workerinput["kczg_session_dir"] = str(node.config._kczg_session_dir)


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "_kczg_stack"):
        config._kczg_stack.close()
        shutil.rmtree(config._kczg_session_dir, ignore_errors=True)


NEEDS_THE_STACK = ("tests/integration/", "tests/e2e/", "tests/fault/")
# The files that take longest start first, so the workers end together (xdist hands out whole files in this
# order: pyproject's --no-loadscope-reorder; its default puts files with most tests first, and so the
# one-test fault files, a minute each, last). Among these, and after them, the collection's own order.
LONGEST_FIRST = ("tests/integration/test_fuzz_apis", "tests/fault/", "tests/e2e/",
                 "tests/integration/test_authorization_matrix.py",
                 "tests/integration/test_projections_interleavings.py", "tests/integration/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`integration` on every test that needs the real broker and database: every test using `stack_env`
    (directly or through `env`, `intake`, ...), and every test under tests/integration, tests/e2e and
    tests/fault. Select or skip them with `-m integration` / `-m "not integration"`. Then the longest
    files first (LONGEST_FIRST), each file's tests together in their order."""
    root = config.rootpath.resolve()
    where = {}
    for item in items:
        path = item.path.resolve()
        where[item] = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        if "stack_env" in item.fixturenames or where[item].startswith(NEEDS_THE_STACK):
            item.add_marker(pytest.mark.integration)
    items.sort(key=lambda item: next((i for i, p in enumerate(LONGEST_FIRST) if where[item].startswith(p)),
                                     len(LONGEST_FIRST)))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Around set-up, call and tear-down (outside pytest-timeout's timer: waiting for a turn is not the
    test's time): alone if marked `serial`, otherwise beside any other unmarked test — and, while the next
    test is of the same module (its module-scoped fixtures still up), never with a serial test in between."""
    if not hasattr(item.config, "_kczg_lock"):
        item.config._kczg_lock = serial.SessionLock(_session_dir(item.config))
    lock, alone = item.config._kczg_lock, _serial(item)
    lock.begin(alone)
    try:
        yield
    finally:
        if alone or nextitem is None or nextitem.path != item.path or _serial(nextitem):
            lock.end()


def _serial(item: pytest.Item) -> bool:
    return item.get_closest_marker("serial") is not None


@pytest.fixture(scope="session")
def stack_env(pytestconfig):
    """The real broker and database for the whole session (see tests/support/stack.py); under xdist the
    controller's, one for every worker."""
    directory = _session_dir(pytestconfig)
    given = all(os.environ.get(k) for k in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"))
    if directory is not None and not given:
        yield from_controller(directory)
        return
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
