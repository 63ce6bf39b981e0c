"""The publish service's read models, each a projection of the log (eventlog.projection.engine)."""

from .matching import MATCHING
from .rankings import RANKINGS
from .release_facts import RELEASE_FACTS

PROJECTIONS = (RANKINGS, RELEASE_FACTS, MATCHING)
