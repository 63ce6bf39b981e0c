"""How long each route's attempts took: grouped by route, ids left out, and the slowest routes summarised."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def route_of(url: str) -> str:
    """A URL's route, ids left out: what the latencies are grouped by."""
    return _ID.sub("{id}", urlsplit(url).path)


def slowest_routes(latencies: dict[str, list[float]], top: int = 6) -> dict[str, dict]:
    """The routes whose slowest attempt took longest: attempts, p50, p99 and max in ms."""
    def row(values: list[float]) -> dict:
        values = sorted(values)
        return {"attempts": len(values), "p50_ms": round(1000 * values[len(values) // 2]),
                "p99_ms": round(1000 * values[min(len(values) - 1, int(len(values) * 0.99))]),
                "max_ms": round(1000 * values[-1])}
    ranked = sorted(latencies.items(), key=lambda kv: -max(kv[1]))[:top]
    return {route: row(values) for route, values in ranked}

