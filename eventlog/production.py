"""What a service refuses to start with under KCZG_ENV=production: the demo conveniences that would
let a request move the clock or a token be signed by the development key."""

from __future__ import annotations

import os

from eventlog.http.auth import load_public_keys
from eventlog.http.signed_links import link_key
from eventlog.settings import is_production


class UnsafeProductionSettings(RuntimeError):
    """A service was started with KCZG_ENV=production and settings only a demo may use."""


def production_problems() -> list[str]:
    """What makes the environment unfit for production (empty when it is fit, or not production)."""
    if not is_production():
        return []
    problems = []
    if os.environ.get("KCZG_CLOCK_HEADER", "").strip() not in ("", "0"):
        problems.append("KCZG_CLOCK_HEADER is set: a request could name its own time (X-Kczg-Clock) and "
                        "move a deadline; unset it")
    if os.environ.get("KCZG_CLOCK", "").strip() not in ("", "system"):
        problems.append(f"KCZG_CLOCK={os.environ['KCZG_CLOCK']!r}: production runs on the system clock; "
                        "unset it or set it to 'system'")
    source = os.environ.get("KCZG_JWT_PUBLIC_KEY", "").strip()
    if not source:
        problems.append("KCZG_JWT_PUBLIC_KEY is not set: name the platform's public key(s) — a PEM, a path, "
                        "several separated by commas, or a directory of *.pem (the development key is never "
                        "used in production)")
    else:
        try:
            load_public_keys(source)
        except Exception as exc:  # noqa: BLE001 — unreadable, not a PEM, not a public key: all refused
            problems.append(f"KCZG_JWT_PUBLIC_KEY cannot be loaded: {exc}")
    try:
        link_key()
    except (OSError, RuntimeError) as exc:
        problems.append(f"{exc}: the review signs and the intake checks the dossier's attachment links with it "
                        "(eventlog/http/signed_links.py); give both services the same secret of 32 characters or more")
    return problems


def refuse_unsafe_production() -> None:
    """Raise UnsafeProductionSettings naming every problem, before a production service starts."""
    problems = production_problems()
    if problems:
        raise UnsafeProductionSettings("refusing to start with KCZG_ENV=production:\n  - " + "\n  - ".join(problems))
