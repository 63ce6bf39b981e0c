"""The intake's own tables restored from the log (`kczg state verify intake`): its projection (projection.py)
rebuilds every one of them already — its own events through the same `store.apply_events` the commands
use, the quota decisions, the unit registry, the published lists, the notices and each nomination's later
states from the review and the releases — so a restore is that projection run into empty tables, where
intake.inbox starts empty and every own event is applied once."""

from __future__ import annotations

from contracts.topics import APPLICATIONS, NOMINATIONS, PUBLISH, QUOTA, REVIEW
from eventlog.verify.state_compare import StateTable
from eventlog.verify.state_verify import ServiceState

from . import projection, store

STATE = ServiceState(
    service="intake",
    topics=(APPLICATIONS, NOMINATIONS, QUOTA, PUBLISH, REVIEW),
    tables=tuple(StateTable(f"intake.{t}") for t in ("nomination_status", "applications", "units",
                                                     "published_lists", "listings", "notices",
                                                     "review_states")),
    set_up=store.ensure_schema,
    apply=projection.apply,  # already a consumer's apply: records in, rows out
    not_compared=((("intake.blobs", "intake.uploads"), "attachment bytes and who uploaded them: events carry "
                                                       "only each document's reference (name, size, sha256)"),
                  (("intake.inbox",), "the event ids applied: de-duplication, not state"),
                  (("intake.outbox", "intake.idempotency"), "the write side's bookkeeping: events in flight, "
                                                            "answers remembered per Idempotency-Key")),
    consumers=((projection.VIEW_NAME, (APPLICATIONS, NOMINATIONS, QUOTA, PUBLISH, REVIEW)),),
    init=store.init_connection,
)
