"""The quota service's pure core: the quota rule (quota.py) and the unit registry (registry.py). No I/O."""

from .quota import (QUOTA_ACTOR, NominationQuota, Pool, PoolKey, QuotaRules, QuotaState, UnitKey, decide, evolve,
                    pool_key)

__all__ = ["QUOTA_ACTOR", "NominationQuota", "Pool", "PoolKey", "QuotaRules", "QuotaState", "UnitKey", "decide",
           "evolve", "pool_key"]
