"""The notifier's rules, pure: who must be told what about each event, and whether it is still due."""

from .notices import (KINDS, UNIT_KINDS, ExpertSeats, Nomination, Notice, Party, Seat, Unit, evolve,
                      expert_recipient, message_id, notices_for, recipient_of, still_due)

__all__ = ["KINDS", "UNIT_KINDS", "ExpertSeats", "Nomination", "Notice", "Party", "Seat", "Unit", "evolve",
           "expert_recipient", "message_id", "notices_for", "recipient_of", "still_due"]
