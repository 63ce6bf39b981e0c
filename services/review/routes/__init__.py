"""HTTP entry points, thin: authenticate, build a command, run it through the unit of work, answer."""
