"""Crypto-shredding: each natural person's key (privacy.person_keys), sealing and revealing their fields."""

from .crypto import KeySealer, reveal, reveal_many
from .keys import (Erased, HeldKeys, PersonErased, ensure_schema, erase, expire, held_keys, key_for, keys_of,
                   live_people, store_new_keys)

__all__ = ["Erased", "HeldKeys", "KeySealer", "PersonErased", "ensure_schema", "erase", "expire", "held_keys",
           "key_for", "keys_of", "live_people", "reveal", "reveal_many", "store_new_keys"]
