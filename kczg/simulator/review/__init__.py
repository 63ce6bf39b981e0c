"""The review phase: screening, plans, assignment, conflicts, scores and every target's results."""
