"""Shared infrastructure: the event-log client and the projection engine. No domain rules live here."""
