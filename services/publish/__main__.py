"""`python -m services.publish`: serve the publish API (PUBLISH_HOST, PUBLISH_PORT) and run its projections."""

import logging
import os

import uvicorn

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                    format="%(asctime)s publish %(levelname)s %(name)s: %(message)s")
uvicorn.run("services.publish.api:app", host=os.environ.get("PUBLISH_HOST", "127.0.0.1"),
            port=int(os.environ.get("PUBLISH_PORT", "8002")), log_level="warning")
