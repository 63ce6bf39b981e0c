"""The review's pages for people (server-rendered, Chinese, no script needed): today the expert's queue and
score sheet. Every form calls the same handler as the JSON API (services/review/handlers.py)."""
