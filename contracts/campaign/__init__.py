"""A campaign: one year's call for the 科创中国 rankings, as data. This module is only the face.

    model.py      Campaign and its pure queries (quota limits, targets, phases, timeline changes)
    parts.py      the parts a campaign is made of (lists, channels, bodies, timeline, rules, review)
    checks.py     cross-field consistency, as (location, reason) problems
    file.py       the YAML loader and the dict round trip carried by CampaignOpened
    book.py       the campaigns topic folded into a CampaignBook
    decisions.py  what the operator CLI decides before publishing to the campaigns topic

Dependencies run one way: parts <- checks <- model <- file <- book <- decisions.
"""

from contracts.campaign.book import CampaignBook, CampaignVersion, UnknownCampaign, evolve, fold
from contracts.campaign.checks import campaign_problems, timeline_problems
from contracts.campaign.decisions import (CampaignAlreadyOpen, deadline_extension, decide_open,
                                          decide_timeline_change, release_move)
from contracts.campaign.file import (CAMPAIGNS_DIR, CampaignFileError, Problem, campaign_from_dict, campaign_to_dict,
                                     load_builtin_campaign, load_campaign, parse_campaign)
from contracts.campaign.model import (Campaign, CampaignChangeError, DomainNotAllowed, DomainRequired, UnknownDomain,
                                      UnknownList)
from contracts.campaign.parts import (Assignment, Channel, Domain, Eligibility, FinalVote, RankingList, ReviewBody,
                                      ReviewDefaults, Rules, Share, Timeline)
from contracts.review_terms import Criterion

__all__ = [
    "CAMPAIGNS_DIR", "Assignment", "Campaign", "CampaignAlreadyOpen", "CampaignBook", "CampaignChangeError",
    "CampaignFileError", "CampaignVersion", "Channel", "Criterion", "Domain", "DomainNotAllowed", "DomainRequired",
    "Eligibility", "FinalVote", "Problem", "RankingList", "ReviewBody", "ReviewDefaults", "Rules", "Share",
    "Timeline", "UnknownCampaign", "UnknownDomain", "UnknownList", "campaign_from_dict", "campaign_problems",
    "campaign_to_dict", "deadline_extension", "decide_open", "decide_timeline_change", "evolve", "fold",
    "load_builtin_campaign", "load_campaign", "parse_campaign", "release_move", "timeline_problems",
]
