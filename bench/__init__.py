"""Benchmarks: each prints a final JSON line with its figures."""
