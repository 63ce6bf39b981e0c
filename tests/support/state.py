"""The fault tests' last check: each named service's own tables equal a replay of the log."""

from __future__ import annotations

from dataclasses import replace

from eventlog.verify.state_verify import verify_states
from kczg.state_cli import states

# Tests register their units by publishing UnitRegistered straight to the log (tests/support/events.py), so
# the quota registry's write side, which only its own commands fill, never saw them: the one table set aside.
UNITS_FROM_THE_LOG = {"quota": ("quota.registry", "units registered on the log by the test, not through the registry")}



async def assert_state_equals_replay(*services: str) -> None:
    chosen = []
    for state in (s for name in services for s in states(name)):
        if aside := UNITS_FROM_THE_LOG.get(state.service):
            state = replace(state, tables=tuple(t for t in state.tables if t.name != aside[0]),
                            not_compared=(*state.not_compared, ((aside[0],), aside[1])))
        chosen.append(state)
    results = await verify_states(chosen)
    assert [(r.service, r.ok) for r in results] == [(s, True) for s in services], [
        (r.service, r.uncovered, [t.differences for t in r.tables if t.differences], r.unsettled) for r in results]
    assert all(r.rows > 0 for r in results), [(r.service, r.rows) for r in results]
