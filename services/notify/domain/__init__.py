"""The notifier's rules, pure: who must be told what about each event, and whether it is still due."""

from .digest import Digest, digest_notices, late_targets, secretariat_recipient
from .due import held_until, still_due
from .notices import (KINDS, UNIT_KINDS, BodyTarget, ExpertSeats, Nomination, Notice, Party, Seat, Unit, evolve,
                      expert_recipient, message_id, notices_for, recipient_of)
from .outcomes import (Acknowledged, Application, NoticeWindow, applicant_recipient, application_notices, Objection, Rereview, decision_notices, late_decision_notices,
                       nomination_recipient, objection_notices, plan_notices, released_notices, rereview_notices,
                       window_of)
from .unsubscribe import OPTIONAL_KINDS, is_optional, token_matches, unsubscribe_token, unsubscribe_url
from .reminders import (LADDER_DAYS, UnitStanding, body_recipient, collection_reminders, collection_subject,
                        expert_reminders, results_due_reminders)

__all__ = ["Digest", "digest_notices", "late_targets", "secretariat_recipient", "OPTIONAL_KINDS", "is_optional", "token_matches", "unsubscribe_token", "unsubscribe_url", "KINDS", "LADDER_DAYS", "UNIT_KINDS", "Acknowledged", "Application", "applicant_recipient",
           "application_notices", "BodyTarget", "ExpertSeats", "Nomination", "Notice",
           "NoticeWindow", "Objection", "Party", "Rereview", "Seat", "Unit", "UnitStanding", "body_recipient",
           "collection_reminders", "collection_subject", "decision_notices", "evolve", "expert_recipient",
           "expert_reminders", "held_until", "late_decision_notices", "message_id", "nomination_recipient",
           "notices_for", "objection_notices", "plan_notices", "recipient_of", "released_notices",
           "rereview_notices", "results_due_reminders", "still_due", "window_of"]
