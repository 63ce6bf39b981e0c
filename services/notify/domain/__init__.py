"""The notifier's rules, pure: who must be told what about each event, and whether it is still due."""

from .notices import (KINDS, Nomination, Notice, Unit, evolve, message_id, notices_for, recipient_of,
                      still_due)

__all__ = ["KINDS", "Nomination", "Notice", "Unit", "evolve", "message_id", "notices_for", "recipient_of",
           "still_due"]
