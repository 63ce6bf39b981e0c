"""`python -m services.quota`: the quota decider and its HTTP API (QUOTA_HOST, QUOTA_PORT)."""

from .api import serve

if __name__ == "__main__":  # not when a spawned worker process imports it as __mp_main__
    serve()
