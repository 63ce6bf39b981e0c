"""The notifier's rules, pure: who must be told what about each event, and whether it is still due."""

from .digest import Digest, digest_notices, late_targets, secretariat_recipient
from .due import held_until, still_due
from .notices import (KINDS, UNIT_KINDS, BodyTarget, ExpertSeats, Nomination, Notice, Party, Seat, Unit, evolve,
                      expert_recipient, message_id, notices_for, recipient_of)
from .outcomes import (Acknowledged, Application, NoticeWindow, Objection, Rereview, applicant_recipient,
                       application_notices, decision_notices, late_decision_notices, nomination_recipient,
                       objection_notices, plan_notices, receipt_notices, released_notices, rereview_notices,
                       window_of)
from .packages import Package, audience_recipient, audience_rows, package_links, package_notices
from .reminders import (LADDER_DAYS, UnitStanding, body_recipient, collection_reminders, collection_subject,
                        expert_reminders, results_due_reminders)
from .unsubscribe import OPTIONAL_KINDS, is_optional, token_matches, unsubscribe_token, unsubscribe_url

__all__ = ["Acknowledged", "Application", "BodyTarget", "Digest", "ExpertSeats", "KINDS", "LADDER_DAYS", "Nomination",
           "Notice", "NoticeWindow", "OPTIONAL_KINDS", "Objection", "Package", "Party", "Rereview", "Seat", "UNIT_KINDS", "Unit",
           "UnitStanding", "applicant_recipient", "application_notices", "audience_recipient", "audience_rows", "body_recipient", "collection_reminders",
           "collection_subject", "decision_notices", "digest_notices", "evolve", "expert_recipient",
           "expert_reminders", "held_until", "is_optional", "late_decision_notices", "late_targets", "message_id",
           "nomination_recipient", "notices_for", "objection_notices", "package_links", "package_notices", "plan_notices",
           "receipt_notices", "recipient_of",
           "released_notices", "rereview_notices", "results_due_reminders", "secretariat_recipient", "still_due",
           "token_matches", "unsubscribe_token", "unsubscribe_url", "window_of"]
