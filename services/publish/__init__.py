"""Publish service: final lists, public notice and release; the ranking views (views/) and their read API."""
