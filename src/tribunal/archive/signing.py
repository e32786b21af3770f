"""The case's Ed25519 signing key, and the per-case secret for commitments.

Ed25519 (RFC 8032) through the ``cryptography`` package. Files in ``<case>/keys/``:

- ``ed25519.key``  private key, PKCS#8 PEM, unencrypted, mode 0600 from the moment it exists
- ``ed25519.pub``  public key, SubjectPublicKeyInfo PEM (safe to publish)
- ``commitment.key``  32 random bytes for HMAC commitments (see ``ledger.commitment``), 0600

The key id is the hex SHA-256 of the raw 32-byte public key, so anyone holding the public
key can recompute it and compare it with an id published elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tribunal.errors import CaseError

PRIVATE_KEY_FILE = "ed25519.key"
PUBLIC_KEY_FILE = "ed25519.pub"
COMMITMENT_KEY_FILE = "commitment.key"
ALGORITHM = "Ed25519"


def _write_secret(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file that is mode 0600 from creation, atomically.

    The bytes go to a temporary file opened with O_EXCL and mode 0600 (never readable by
    others, even for an instant), are fsynced, then hard-linked into place so an existing
    key is never overwritten and a crash leaves either no key or a whole one.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask can only remove bits; make the mode exact
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if ``path`` exists: never replace a key
        except FileExistsError:
            raise
        except OSError:
            # file systems without hard links: a rename, after checking nothing is there
            if path.exists():
                raise FileExistsError(path) from None
            os.rename(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def generate_keypair(keys_dir: str | Path) -> None:
    """Create the case's Ed25519 key pair in ``keys_dir`` (and its commitment secret).

    Refuses to overwrite an existing private key: losing it would orphan every signed head.
    """
    keys = Path(keys_dir)
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path = keys / PRIVATE_KEY_FILE
    if private_path.exists():
        raise CaseError(
            f"a signing key already exists in {keys}",
            hint="a case keeps one key for its whole life; use the existing key",
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_secret(private_path, pem)
    _write_public(keys / PUBLIC_KEY_FILE, public_key_pem(key.public_key()))
    ensure_commitment_key(keys)


def load_private_key(keys_dir: str | Path) -> Ed25519PrivateKey:
    """The case's private signing key."""
    path = Path(keys_dir) / PRIVATE_KEY_FILE
    data = _read_key_file(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise CaseError(f"{path} is not an Ed25519 private key in PEM form", hint=_KEY_HINT)
    return key


# A replacement key could not vouch for the heads the old one signed: say so, do not suggest init.
_KEY_HINT = (
    "restore the case's keys/ folder from a backup; `tribunal init` only creates new cases"
)


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CaseError(f"no {what} at {path}", hint=_KEY_HINT) from None
    except OSError as exc:
        raise CaseError(f"cannot read the {what} at {path}: {exc.strerror or exc}") from None


def load_public_key(keys_dir: str | Path) -> Ed25519PublicKey:
    """The case's public key, read from the public key file."""
    path = Path(keys_dir) / PUBLIC_KEY_FILE
    data = _read_key_file(path, "public key")
    try:
        return public_key_from_pem(data)
    except CaseError as exc:
        raise CaseError(f"{path}: {exc.message}", hint=_KEY_HINT) from None


def public_key_from_pem(data: bytes) -> Ed25519PublicKey:
    """Parse a PEM public key, insisting on Ed25519 (:class:`CaseError` otherwise)."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CaseError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CaseError("the public key is not an Ed25519 key")
    return key


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from its raw 32 bytes (RFC 8032 encoding)."""
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM of ``key``."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_bytes(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public key (RFC 8032 encoding)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_hex(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The raw public key as 64 hex digits."""
    return public_key_bytes(key).hex()


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """Hex SHA-256 of the raw public key: a short, recomputable name for the key."""
    return hashlib.sha256(public_key_bytes(key)).hexdigest()


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    """Ed25519 signature (64 bytes) over ``message``."""
    return key.sign(message)


def verify_signature(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """True if ``signature`` is ``key``'s Ed25519 signature over ``message``."""
    try:
        key.verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def ensure_commitment_key(keys_dir: str | Path) -> bytes:
    """The per-case commitment secret, created (mode 0600) on first use."""
    path = Path(keys_dir) / COMMITMENT_KEY_FILE
    if not path.exists():
        Path(keys_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        # another process may have created it first; then use theirs
        with contextlib.suppress(FileExistsError):
            _write_secret(path, secrets.token_bytes(32))
    return load_commitment_key(keys_dir)


def load_commitment_key(keys_dir: str | Path) -> bytes:
    """The per-case commitment secret (32 bytes)."""
    path = Path(keys_dir) / COMMITMENT_KEY_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CaseError(
            f"no commitment key at {path}", hint="run `tribunal init` to create the case"
        ) from None
    if len(data) != 32:
        raise CaseError(f"{path} should hold 32 bytes, found {len(data)}")
    return data
