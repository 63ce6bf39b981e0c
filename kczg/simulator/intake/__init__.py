"""The intake phase: the seeded plan, the driver (every phase's client) and what the intake's views show."""
