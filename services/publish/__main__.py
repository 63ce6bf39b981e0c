"""`python -m services.publish`: serve the publish API (PUBLISH_HOST, PUBLISH_PORT) and run its projections."""

from eventlog.entrypoint import serve

if __name__ == "__main__":  # not when a spawned worker process imports it as __mp_main__
    serve("publish", "services.publish.api:app", 8002)
