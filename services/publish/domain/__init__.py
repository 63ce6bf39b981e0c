"""The publish service's rules, pure: the public notice, objections, the release, who sees what.

Each command is decided by `decide(state, command, context) -> events` (notice.py, objections.py,
release.py); the time and the facts from the log arrive in the context as values.
"""
