"""`python -m services.quota`: run the quota decider until SIGTERM/SIGINT."""

from eventlog.runner import run_service

from .app import run

run_service("quota", run)
