"""`python -m services.<name>`: one way every service process starts — JSON logs (eventlog/log_format.py),
production settings checked before anything else (eventlog/production.py), then uvicorn, which logs
through the same handler (no access log: /metrics counts the requests)."""

from __future__ import annotations

import logging
import os
import sys

from eventlog.clock import header_clock_allowed
from eventlog.log_format import configure_logging
from eventlog.production import UnsafeProductionSettings, refuse_unsafe_production
from eventlog.settings import database_url, environment, kafka_bootstrap

EXIT_UNSAFE_SETTINGS = 78  # EX_CONFIG: a service manager should not restart it until the settings change
# How long an idle kept-alive connection stays open. Longer than the clients' own idle expiry (httpx 5 s,
# aiohttp 15 s), so the client closes first: at uvicorn's default of 5 s, equal to httpx's, a client could send
# on a connection the server was closing that instant and get a reset for a request it never made.
KEEP_ALIVE_S = 75


def serve(service: str, app: str, port: int, workers: int = 1) -> None:
    """Serve `app` ("module:attribute") as `service`; host and port from <SERVICE>_HOST / <SERVICE>_PORT."""
    configure_logging(service)
    try:
        refuse_unsafe_production()
    except UnsafeProductionSettings as exc:
        print(f"{service}: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_UNSAFE_SETTINGS) from None
    import uvicorn

    prefix = service.upper()
    host, port = os.environ.get(f"{prefix}_HOST", "127.0.0.1"), int(os.environ.get(f"{prefix}_PORT", str(port)))
    logging.getLogger(service).info(
        "starting on http://%s:%d (%s; broker %s; database %s; clock %s%s)", host, port, environment(),
        kafka_bootstrap(), _without_password(database_url()), os.environ.get("KCZG_CLOCK") or "system",
        ", X-Kczg-Clock honoured" if header_clock_allowed() else "")
    uvicorn.run(app, host=host, port=port, workers=workers, log_config=None, log_level="warning", access_log=False,
                timeout_keep_alive=KEEP_ALIVE_S)


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
