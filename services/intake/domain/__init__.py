"""The intake's pure core: states, rules and decide/evolve functions. No I/O is imported here."""
