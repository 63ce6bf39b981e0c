"""`python -m services.intake`: serve the intake HTTP API (INTAKE_HOST, INTAKE_PORT, INTAKE_WORKERS)."""

import os

from eventlog.entrypoint import serve

if __name__ == "__main__":  # not when a spawned worker process imports it as __mp_main__
    serve("intake", "services.intake.api:app", 8000, workers=int(os.environ.get("INTAKE_WORKERS", "1")))
