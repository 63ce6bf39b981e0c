"""What a write request to the intake may carry: the body limit, read by the app's body limit and the
fast lane alike (the caller, key and clock are read by eventlog/http/front_door.py for every service)."""

from __future__ import annotations

import os

MAX_BODY_BYTES = int(os.environ.get("INTAKE_MAX_BODY_BYTES", str(256 * 1024)))
MAX_ATTACHMENT_BYTES = int(os.environ.get("INTAKE_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024)))
