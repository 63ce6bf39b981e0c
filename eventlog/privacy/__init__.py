"""Crypto-shredding: each natural person's key (privacy.person_keys), sealing and revealing their fields."""

from .crypto import KeySealer, reveal, reveal_many
from .keys import Erased, PersonErased, ensure_schema, erase, expire, key_for, keys_of, live_people

__all__ = ["Erased", "KeySealer", "PersonErased", "ensure_schema", "erase", "expire", "key_for", "keys_of",
           "live_people", "reveal", "reveal_many"]
