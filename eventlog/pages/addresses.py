"""Where browsers reach another service's pages: services never call each other, but their pages link across
(the secretariat's home on review to publish's controls, a body's progress to notify's reminder button, an
expert's dossier to the intake's files). KCZG_<SERVICE>_URL in production; the local port otherwise."""

from __future__ import annotations

import os

PORTS = {"intake": 8000, "quota": 8001, "publish": 8002, "review": 8003, "notify": 8004}


def service_url(service: str) -> str:
    """The service's base address as browsers reach it, without a trailing slash."""
    name = service.upper()
    return (os.environ.get(f"KCZG_{name}_URL", "").rstrip("/")
            or f"http://127.0.0.1:{os.environ.get(f'{name}_PORT', str(PORTS[service]))}")
