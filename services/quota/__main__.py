"""`python -m services.quota`: the quota decider and its HTTP API (QUOTA_HOST, QUOTA_PORT)."""

from .api import serve

serve()
