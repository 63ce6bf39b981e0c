"""What a dependency away for a moment looks like, in one place: the write path maps these to
`database_unavailable`, the HTTP layer (eventlog/http/problems.py) to a 503 with Retry-After."""

from __future__ import annotations

import asyncpg

# The database away for a moment: connection refused or reset, a connection lost under a query, the
# server starting up, shutting down or crashed. InternalClientError: a pooled connection the server
# vanished under can be left mid-protocol ("cannot switch to state 15; another operation (2) is in
# progress"); the pool drops it once it is given back, and a retry gets a sound one.
DATABASE_FAILURES = (OSError, asyncpg.InterfaceError, asyncpg.InternalClientError, asyncpg.PostgresConnectionError,
                     asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError, asyncpg.CrashShutdownError)
# Any dependency away for a moment, or no answer in time: a 503 with Retry-After, never a plain 500.
# The unit of work and every service's handlers map this one list.
DEPENDENCY_FAILURES = (*DATABASE_FAILURES, TimeoutError)
