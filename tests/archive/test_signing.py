"""The case key: Ed25519 signatures, key ids, and private key files that are never readable
by others."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tribunal.archive import signing
from tribunal.errors import CaseError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keypair_files_and_modes(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    old = os.umask(0)  # even with a permissive umask the secret files must be 0600
    try:
        signing.generate_keypair(keys)
    finally:
        os.umask(old)
    assert _mode(keys / signing.PRIVATE_KEY_FILE) == 0o600
    assert _mode(keys / signing.COMMITMENT_KEY_FILE) == 0o600
    assert (keys / signing.PUBLIC_KEY_FILE).read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    # no temporary files are left behind
    assert sorted(p.name for p in keys.iterdir()) == sorted(
        [signing.PRIVATE_KEY_FILE, signing.PUBLIC_KEY_FILE, signing.COMMITMENT_KEY_FILE]
    )


def test_private_key_never_created_with_wider_mode(tmp_path: Path, monkeypatch) -> None:
    """The file is opened with mode 0600 from the start, not chmod-ed afterwards."""
    seen: list[int] = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT:
            seen.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    signing.generate_keypair(tmp_path / "k")
    assert seen and all(m == 0o600 for m in seen)


def test_keys_round_trip_and_sign(tmp_path: Path) -> None:
    signing.generate_keypair(tmp_path)
    private = signing.load_private_key(tmp_path)
    public = signing.load_public_key(tmp_path)
    assert signing.public_key_bytes(private) == signing.public_key_bytes(public)
    assert len(signing.public_key_bytes(public)) == 32
    assert signing.public_key_hex(public) == signing.public_key_bytes(public).hex()
    assert signing.key_id(public) == hashlib.sha256(signing.public_key_bytes(public)).hexdigest()
    sig = signing.sign(private, b"message")
    assert len(sig) == 64
    assert signing.verify_signature(public, sig, b"message")
    assert not signing.verify_signature(public, sig, b"messagE")
    bad = bytearray(sig)
    bad[10] ^= 1
    assert not signing.verify_signature(public, bytes(bad), b"message")
    assert not signing.verify_signature(public, sig[:63], b"message")
    other = Ed25519PrivateKey.generate().public_key()
    assert not signing.verify_signature(other, sig, b"message")
    raw = signing.public_key_bytes(public)
    assert signing.public_key_bytes(signing.public_key_from_bytes(raw)) == raw


def test_rfc8032_test_vector_1() -> None:
    """RFC 8032 §7.1 TEST 1: the empty message."""
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = Ed25519PrivateKey.from_private_bytes(secret)
    assert signing.public_key_hex(key) == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert signing.sign(key, b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )


def test_refuses_to_overwrite_and_missing_keys(tmp_path: Path) -> None:
    signing.generate_keypair(tmp_path)
    before = (tmp_path / signing.PRIVATE_KEY_FILE).read_bytes()
    with pytest.raises(CaseError):
        signing.generate_keypair(tmp_path)
    assert (tmp_path / signing.PRIVATE_KEY_FILE).read_bytes() == before
    with pytest.raises(CaseError):
        signing.load_private_key(tmp_path / "nothing")
    with pytest.raises(CaseError):
        signing.load_public_key(tmp_path / "nothing")
    with pytest.raises(CaseError):
        signing.load_commitment_key(tmp_path / "nothing")


def test_commitment_key_is_stable(tmp_path: Path) -> None:
    k1 = signing.ensure_commitment_key(tmp_path)
    k2 = signing.ensure_commitment_key(tmp_path)
    assert k1 == k2 and len(k1) == 32
    assert _mode(tmp_path / signing.COMMITMENT_KEY_FILE) == 0o600


def test_key_written_where_hard_links_fail(tmp_path: Path, monkeypatch) -> None:
    def no_links(*args, **kwargs):
        raise PermissionError("no hard links here")

    monkeypatch.setattr(os, "link", no_links)
    signing.generate_keypair(tmp_path)
    assert _mode(tmp_path / signing.PRIVATE_KEY_FILE) == 0o600
    signing.load_private_key(tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
