"""The notification service process: the follower writing the notices due (app.py), the sender delivering
them (sender.py), and its HTTP API (routes.py) — NOTIFY_HOST, NOTIFY_PORT (8004)."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

from eventlog.clock import Clock
from eventlog.http.auth import TokenVerifier
from eventlog.http.front_door import ServiceState
from eventlog.http.service_app import ServiceApp, create_service_app
from eventlog.write.write_side import write_side

from . import store
from .app import run_follower
from .reminders import run_reminders
from .pages import inbox as inbox_page, reminders as reminders_page
from .routes import router
from .sender import Mailer, Sender


def create_app(clock: Clock | None = None, verifier: TokenVerifier | None = None, send: bool | None = None) -> ServiceApp:
    """`send` False (or NOTIFY_SEND=0): notices are written but neither reminders computed nor anything sent (tests
    drive `services.notify.reminders.schedule_reminders` and `state.own.send_due()`)."""
    state = ServiceState("notify", clock, verifier)
    sending = send if send is not None else os.environ.get("NOTIFY_SEND", "1") != "0"

    @asynccontextmanager
    async def lifespan(app):
        async with write_side("notify", set_up=store.ensure_schema, pool_size=10) as ws:
            state.serve(ws)
            sender = state.own = Sender(ws.pool, ws.campaigns, Mailer, clock=lambda: state.clock.now())
            ws.run(run_follower(ws.stop, ws.pool, ws.publisher, ws.campaigns, sender.wake))
            if sending:
                ws.run(sender.run(ws.stop))
                ws.run(run_reminders(ws.stop, ws.pool, ws.campaigns, lambda: state.clock.now(), sender.wake))
            yield

    return create_service_app(state, title="科创中国榜单 · 通知服务 (notify)", version="0.1.0",
                              description="谁须被告知什么：按事件生成通知，经 SMTP 每条只发送一次。",
                              lifespan=lifespan, routers=[router, inbox_page.router, reminders_page.router], max_body=16 * 1024,
                              page_homes={**{role: inbox_page.HOME for role in ("applicant", "unit", "review_body", "expert")},
                                          "secretariat": reminders_page.HOME})


app = create_app()


def serve() -> None:
    from eventlog.entrypoint import serve as serve_service

    serve_service("notify", "services.notify.api:app", 8004)
