"""The review service's pure core: assignment, conflicts, aggregation and votes, with no I/O imported."""
