"""A path's body limit among a service's larger ones (uploads), by its own path or a templated one's, shared by
the body limit (body_limit.py) and the pages' session (page_session.py)."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=64)
def _template(path: str) -> re.Pattern[str]:
    return re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part)
                              for part in re.split(r"(\{[^}/]+\})", path)) + "$")


def limit_of(per_path: dict[str, int], path: str, default: int) -> int:
    """The limit of `path`: its own in `per_path`, else a templated one's (`/…/{campaign}/plan`), else `default`."""
    if path in per_path:
        return per_path[path]
    return next((n for p, n in per_path.items() if "{" in p and _template(p).match(path)), default)
