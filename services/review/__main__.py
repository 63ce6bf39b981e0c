"""`python -m services.review`: the review service and its HTTP API (REVIEW_HOST, REVIEW_PORT, default 8003;
REVIEW_WORKERS processes, default 1)."""

from .api import serve

serve()
