"""`python -m services.intake`: serve the intake HTTP API (INTAKE_HOST, INTAKE_PORT, INTAKE_WORKERS)."""

import logging
import os

import uvicorn

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
uvicorn.run("services.intake.api:app", host=os.environ.get("INTAKE_HOST", "127.0.0.1"),
            port=int(os.environ.get("INTAKE_PORT", "8000")), workers=int(os.environ.get("INTAKE_WORKERS", "1")),
            log_level="warning", access_log=False)
