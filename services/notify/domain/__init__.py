"""The notifier's rules, pure: who must be told what about each event, and whether it is still due."""

from .notices import (KINDS, UNIT_KINDS, BodyTarget, ExpertSeats, Nomination, Notice, Party, Seat, Unit, evolve,
                      expert_recipient, message_id, notices_for, recipient_of, still_due)
from .reminders import LADDER_DAYS, body_recipient, results_due_reminders

__all__ = ["KINDS", "LADDER_DAYS", "UNIT_KINDS", "BodyTarget", "ExpertSeats", "Nomination", "Notice", "Party",
           "Seat", "Unit", "body_recipient", "evolve", "expert_recipient", "message_id", "notices_for",
           "recipient_of", "results_due_reminders", "still_due"]
