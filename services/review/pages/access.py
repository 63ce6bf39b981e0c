"""The review's page templates; who a page is for is shared by every service with pages
(eventlog/pages/access.py: signed_in, Refused)."""

from __future__ import annotations

from pathlib import Path

from eventlog.pages.access import Refused, signed_in
from eventlog.pages.render import Templates

T = Templates(Path(__file__).resolve().parent / "templates")

__all__ = ["Refused", "T", "signed_in"]
