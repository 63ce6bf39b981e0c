"""The final review, notices, objections, release and correction, and the check that the release agrees."""
