"""Commitments: record that a protected value (a name, a note) was known, without revealing it.

Ledger leaves can never be removed, so a protected person's name must never enter one.
A commitment goes in instead (RFC 2104 HMAC-SHA256 under a per-case secret, see
:func:`commitment`); it can be opened later for one context without disclosing the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

# --- commitments -------------------------------------------------------------------------


_COMMIT_DOMAIN = b"tribunal-commitment-v1\x00"


def opening_key(key: bytes, context: str = "") -> bytes:
    """The key that opens the commitments made under ``context``: HMAC(case key, context).

    Revealing it (with a value) proves what was committed in that context and nothing about
    any other context, because HMAC is a pseudo-random function; the case key itself never
    has to be disclosed.
    """
    if len(key) < 16:
        raise ValueError("commitment key must be at least 16 bytes")
    return hmac.new(key, _COMMIT_DOMAIN + context.encode("utf-8"), hashlib.sha256).digest()


def commitment(value: str, key: bytes, context: str = "") -> str:
    """Commit to ``value`` without revealing it (RFC 2104 HMAC-SHA256, two levels).

    ``commitment = HMAC(opening_key(key, context), NFC(value))`` as hex, with ``key`` the
    per-case secret (``keys/commitment.key``).

    A plain SHA-256 of a name is not enough: names are few and guessable, so anyone holding
    the ledger could hash a list of candidate names (a dictionary attack) and see which one
    matches. Only a holder of the secret can test a guess. To prove later what was committed,
    reveal the value and :func:`opening_key` for its context (check with
    :func:`verify_commitment`); that opens no other context. Equal values in one context
    give equal commitments, so the same witness can be recognised across entries without
    being named; pass a distinct ``context`` (e.g. the item id) where even that must not show.
    Unicode is NFC-normalised so the same name typed two ways commits the same.
    """
    return _commit(value, opening_key(key, context))


def verify_commitment(value: str, opening: bytes, committed: str) -> bool:
    """True if ``committed`` is the commitment to ``value`` under the opening key ``opening``."""
    return hmac.compare_digest(_commit(value, opening), committed.strip().lower())


def _commit(value: str, opening: bytes) -> str:
    data = unicodedata.normalize("NFC", value).encode("utf-8")
    return hmac.new(opening, data, hashlib.sha256).hexdigest()
