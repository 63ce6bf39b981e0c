"""Projection status as Prometheus metrics: offsets, log ends, lag and the last record's time per partition."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from eventlog.projection.status import ProjectionStatus

_LABELS = ("projection", "topic", "partition")
NEXT_OFFSET = Gauge("kczg_projection_next_offset", "Next offset the projection will apply", _LABELS)
END_OFFSET = Gauge("kczg_projection_end_offset", "Log end offset of the partition", _LABELS)
LAG = Gauge("kczg_projection_lag_records", "Records on the log the projection has not applied yet", _LABELS)
LAST_RECORD = Gauge("kczg_projection_last_record_timestamp_seconds",
                    "Kafka timestamp of the last record the projection applied", _LABELS)
LIVE = Gauge("kczg_projection_live", "1 if the live view exists and was built by the running definition",
             ("projection",))
REBUILDING = Gauge("kczg_projection_rebuild_records", "Records a rebuild in progress has applied so far",
                   ("projection", "shadow"))
APPLIED = Counter("kczg_projection_records_applied", "Records the live projection applied", ("projection",))


def observe(status: ProjectionStatus) -> None:
    LIVE.labels(status.name).set(1 if status.live and status.current else 0)
    for p in status.partitions:
        labels = (status.name, p.topic, str(p.partition))
        NEXT_OFFSET.labels(*labels).set(p.next_offset)
        END_OFFSET.labels(*labels).set(p.end_offset)
        LAG.labels(*labels).set(p.lag)
        if p.last_record_at is not None:
            LAST_RECORD.labels(*labels).set(p.last_record_at.timestamp())
    REBUILDING.clear()
    for shadow, records in status.rebuilding.items():
        REBUILDING.labels(status.name, shadow).set(records)
