"""The publish service's read models, each a projection of the log (eventlog.projection)."""

from .rankings import RANKINGS

PROJECTIONS = (RANKINGS,)
