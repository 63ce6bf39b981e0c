"""HTTP entry points, thin: authenticate, build a command, run it through the service, answer."""
