"""A case is a folder: ``case.sqlite`` (metadata, ledger), ``blobs/`` (originals), ``keys/``.

Layout::

    case/
      case.sqlite      items, ingest events, custody ledger and signed heads (SQLite, WAL)
      blobs/ab/cdef…   originals and derived items, named by SHA-256, read-only
      keys/            the case's Ed25519 key pair (private key mode 0600)
      tmp/             scratch for blob writes (same file system, so renames are atomic)
      search.sqlite    full-text index, derived from the items and rebuildable

Everything else in the archive takes a :class:`Case`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tribunal.archive.blobstore import BlobStore
from tribunal.errors import CaseError

DB_NAME = "case.sqlite"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS case_info (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- One row per distinct piece of content (originals) or per derivation (derived items).
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT,
    kind TEXT NOT NULL,
    filename TEXT,
    parent_id TEXT REFERENCES items(id),
    relation TEXT,
    source_url TEXT,
    captured_at TEXT,
    collector TEXT,
    method TEXT,
    language TEXT,
    notes TEXT,
    sensitivity TEXT NOT NULL CHECK (sensitivity IN ('public', 'restricted', 'protected')),
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ledger_index INTEGER
);
CREATE INDEX IF NOT EXISTS items_sha256 ON items(sha256);
CREATE INDEX IF NOT EXISTS items_parent ON items(parent_id);
-- Every ingest is recorded, also of content the case already holds.
CREATE TABLE IF NOT EXISTS ingests (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES items(id),
    new_item INTEGER NOT NULL,
    path TEXT,
    filename TEXT,
    source_url TEXT,
    captured_at TEXT,
    collector TEXT,
    method TEXT,
    language TEXT,
    notes TEXT,
    sensitivity TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ledger_index INTEGER
);
CREATE INDEX IF NOT EXISTS ingests_item ON ingests(item_id);
"""


class Case:
    """An open case folder. Use :meth:`init` to create one and :meth:`open` to open it."""

    def __init__(self, root: Path, db: sqlite3.Connection) -> None:
        self.root = root
        self.db = db
        self.blobs = BlobStore(root / "blobs", root / "tmp")
        self._depth = 0

    # -- creation and opening -------------------------------------------------------------

    @classmethod
    def init(cls, path: str | os.PathLike[str]) -> Case:
        """Create a case folder at ``path`` with its database, signing key and first head.

        Fails with :class:`CaseError` when ``path`` already holds a case or other files.
        """
        root = Path(path)
        if (root / DB_NAME).exists():
            raise CaseError(f"{root} already holds a case", hint="open it, or choose another --case")
        if root.exists() and not root.is_dir():
            raise CaseError(f"{root} exists and is not a folder")
        if root.is_dir() and any(root.iterdir()):
            raise CaseError(
                f"{root} is not empty", hint="choose an empty or new folder with --case"
            )
        from tribunal.archive import signing

        try:
            for sub in ("blobs", "tmp", "keys"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(root / "keys", 0o700)
            signing.generate_keypair(root / "keys")
        except OSError as exc:
            raise CaseError(
                f"cannot create a case at {root}: {exc.strerror or exc}",
                hint="choose a new or empty folder you can write to, with --case",
            ) from None
        case = cls._connect(root)
        from tribunal.archive import ledger

        with case.transaction():
            case.db.execute(
                "INSERT OR REPLACE INTO case_info(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            # The first signed head (an empty tree) fixes the key the case started with.
            ledger.sign_head(case)
        return case

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readonly: bool = False) -> Case:
        """Open an existing case; a folder without ``case.sqlite`` is a :class:`CaseError`.

        ``readonly=True`` (for commands that only read: ``items``, ``show``, ``verify``)
        writes nothing, so a case on read-only media (a write-protected disk handed to a
        court) can be checked in place. A writer on a read-only case gets a clear error.
        """
        root = Path(path)
        if not (root / DB_NAME).is_file():
            raise CaseError(
                f"{root} is not a case folder (no {DB_NAME})",
                hint=f"create one with: tribunal --case {root} init",
            )
        if readonly:
            return cls(root, _connect_readonly(root))
        if not (os.access(root, os.W_OK) and os.access(root / DB_NAME, os.W_OK)):
            raise CaseError(
                f"{root} is read-only; this command would change the case",
                hint="copy the case to writable storage, or make it writable; "
                "reading commands (items, show, verify, export-key) work in place",
            )
        for sub in ("blobs", "tmp"):
            (root / sub).mkdir(exist_ok=True)
        return cls._connect(root)

    @classmethod
    def _connect(cls, root: Path) -> Case:
        try:
            db = sqlite3.connect(root / DB_NAME, isolation_level=None, timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed ingest survives a power cut, not only a killed process.
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(SCHEMA)
            from tribunal.archive import ledger

            ledger.ensure_schema(db)
        except sqlite3.OperationalError as exc:  # locked, unwritable, disk full: not damage
            raise CaseError(
                f"cannot open {root / DB_NAME}: {exc}",
                hint="check the case folder's permissions and free space, and that no other "
                "program holds the database",
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise CaseError(
                f"cannot open {root / DB_NAME}: {exc}",
                hint="the database file is damaged; restore it from a copy and run tribunal verify",
            ) from exc
        return cls(root, db)

    # -- use -------------------------------------------------------------------------------

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def search_path(self) -> Path:
        return self.root / "search.sqlite"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one SQLite transaction (nested calls join the outer one).

        ``BEGIN IMMEDIATE`` takes the write lock at once, so two writers queue instead of
        failing half-way through.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.db
        except BaseException:
            self._depth = 0
            self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        self.db.execute("COMMIT")

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the case's writer lock (a ``flock`` on ``.lock``) for a whole command.

        While it is held no other process writes blobs, so orphan temporary files can be
        removed safely.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks; one writer assumed
            yield
            return
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CaseError(
                    f"another tribunal command is writing to {self.root}",
                    hint="wait for it to finish and try again",
                ) from None
            yield
        finally:
            os.close(fd)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect_readonly(root: Path) -> sqlite3.Connection:
    """A connection that never writes (SQLite ``mode=ro``).

    In WAL mode even a reader needs the ``-shm`` file; in a folder we cannot write, and
    with no ``-wal`` left (the last writer closed cleanly), the database is opened as
    ``immutable``, which needs no ``-shm``.
    """
    db_path = root / DB_NAME
    uri = db_path.resolve().as_uri()
    try:
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=30.0)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            wal = root / (DB_NAME + "-wal")
            if os.access(root, os.W_OK) or (wal.exists() and wal.stat().st_size > 0):
                raise
        db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:  # permissions, read-only media, locks
        raise CaseError(
            f"cannot read {db_path}: {exc}",
            hint="check that the file is readable; on read-only media copy the whole case "
            "folder (with any case.sqlite-wal) to writable storage first",
        ) from exc
    except sqlite3.DatabaseError as exc:  # not a database, malformed: damage or tampering
        raise CaseError(
            f"cannot read {db_path}: {exc}",
            hint="the database file is damaged or was altered; restore it from a copy and "
            "run tribunal verify",
        ) from exc


@contextmanager
def open_case(path: str | os.PathLike[str], *, readonly: bool = False) -> Iterator[Case]:
    """``with open_case(path) as case:`` opens a case and closes it afterwards."""
    case = Case.open(path, readonly=readonly)
    try:
        yield case
    finally:
        case.close()
