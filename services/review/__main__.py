"""`python -m services.review`: the review service and its HTTP API (REVIEW_HOST, REVIEW_PORT, default 8003;
REVIEW_WORKERS processes, default 1)."""

from .api import serve

if __name__ == "__main__":  # not when a spawned worker process imports it as __mp_main__
    serve()
