"""The review service's read models, each a projection of the log (eventlog.projection.engine)."""

from .audit import AUDIT
from .review_folds import REVIEW_VIEWS

PROJECTIONS = (REVIEW_VIEWS, AUDIT)
