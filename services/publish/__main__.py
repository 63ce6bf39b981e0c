"""`python -m services.publish`: serve the publish API (PUBLISH_HOST, PUBLISH_PORT) and run its projections."""

from eventlog.entrypoint import serve

serve("publish", "services.publish.api:app", 8002)
