"""`python -m services.notify`: the notifier and its HTTP API (NOTIFY_HOST, NOTIFY_PORT; SMTP_HOST, SMTP_PORT)."""

from .api import serve

if __name__ == "__main__":  # not when a spawned worker process imports it as __mp_main__
    serve()
