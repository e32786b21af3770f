"""Commands over the custody ledger: ``proof``, ``verify-proof``, ``consistency``, ``log``.

Thin wrappers: the work is in :mod:`tribunal.archive.ledger` and :mod:`tribunal.archive.proofs`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from tribunal.cli.output import case_dir, console, emit, json_option, refuse_inside_case
from tribunal.errors import CaseError, InputError

# Ledger positions and sizes are SQLite integers: a larger number is a typo, not a request.
COUNT = click.IntRange(0, 2**63 - 1)


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    """Write ``doc`` next to its final name, then rename, so a reader never sees half a proof."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="choose a file in an existing folder you can write to",
        ) from None


out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the proof here (otherwise it is printed on stdout).",
)


def _deliver(
    doc: dict[str, Any], out: Path | None, as_json: bool, summary: dict[str, Any], what: str
) -> None:
    """Print the proof ``doc``, or write it to ``out`` and report ``what`` it shows."""
    if out is None:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _write_json(out, doc)
    emit(
        {"path": str(out), **summary},
        as_json,
        lambda _: console.print(
            f"wrote {out}: {what}\ncheck it anywhere with: tribunal verify-proof {out}"
        ),
    )


def _short(hex_text: str, n: int = 16) -> str:
    return hex_text[:n] + "…"


@click.command()
@click.argument("item")
@click.option("--seq", type=COUNT, default=None, help="Prove this ledger entry instead of the item's ingest.")
@click.option(
    "--size",
    "head_size",
    type=COUNT,
    default=None,
    help="Prove against the signed head of this many entries (default: the latest).",
)
@out_option
@json_option
@click.pass_context
def proof(
    ctx: click.Context,
    item: str,
    seq: int | None,
    head_size: int | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """Write a JSON inclusion proof of ITEM's ingest entry in the latest signed head.

    \b
    The proof holds the ledger entry, its RFC 6962 audit path, the signed tree head and the
    case's public key; anyone can check it with `tribunal verify-proof FILE` or with the
    30-line checker in docs/custody.md, without the case. An item ingested several times
    is proved by its first ingest; a derived item by its derive entry.

    \b
    Examples:
      tribunal proof E-B28VBD92TQ --out proof.json      prove an item's ingest
      tribunal proof E-B28VBD92TQ --size 4              against the head of 4 entries
      tribunal proof D-RAJKR8WKQW --seq 1 --out d.json  a chosen ledger entry
      tribunal verify-proof proof.json                  check it, anywhere
    """
    from tribunal.archive import ledger, proofs
    from tribunal.archive.case import open_case

    refuse_inside_case(out, ctx, "a proof")
    with open_case(case_dir(ctx)) as case:
        if seq is None:
            found = ledger.entries_for(case.db, action="ingest", item=item) or ledger.entries_for(
                case.db, action="derive", item=item
            )
            if not found:
                raise InputError(
                    f"no ingest or derive entry for item {item!r} in the ledger",
                    hint="list item ids with `tribunal items`, or entries with `tribunal log`",
                )
            seq = found[0].seq
        else:
            entry = ledger.entry_at(case.db, seq)
            if entry is None:
                raise InputError(
                    f"there is no ledger entry {seq}; the ledger has "
                    f"{ledger.tree_size(case.db)} entries (numbered from 0)",
                    hint=f"list {item}'s entries with `tribunal log --item {item}`",
                )
            if entry.fields.get("item") not in (item, None):
                raise InputError(f"ledger entry {seq} does not concern item {item!r}")
        head = None
        if head_size is not None:
            head = ledger.head_for_size(case.db, head_size)
            if head is None or head.tree_size <= seq:
                raise InputError(
                    f"no signed tree head of {head_size} entries that covers entry {seq}",
                    hint="list the signed sizes with `tribunal log --heads`",
                )
        doc = proofs.inclusion_proof_document(case, seq, head=head)
    summary = {
        "item": item,
        "seq": seq,
        "tree_size": doc["tree_size"],
        "root_hash": doc["head"]["root_hash"],
        "key_id": doc["public_key"]["key_id"],
    }
    _deliver(
        doc, out, as_json, summary,
        f"ledger entry {seq} (item {item}) in the tree of {doc['tree_size']} entries, "
        f"root {_short(summary['root_hash'])}, key {_short(summary['key_id'])}",
    )


def _load_doc(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:  # hostile nesting ([[[[...]]]]) must not crash the checker
        return ValueError("nested too deeply to be a proof")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return exc


def _trusted_key_id(key_id: str | None, key_file: Path | None) -> str | None:
    if key_id is not None:
        key_id = key_id.strip().lower()
        if len(key_id) != 64 or any(c not in "0123456789abcdef" for c in key_id):
            raise InputError(
                "--key-id must be 64 hex digits (the SHA-256 of the case's public key)",
                hint="the case owner prints it with `tribunal export-key --json` (key_id)",
            )
    if key_file is None:
        return key_id
    from tribunal.archive import signing

    try:
        kid = signing.key_id(signing.public_key_from_pem(key_file.read_bytes()))
    except (OSError, ValueError, CaseError) as exc:
        raise InputError(f"cannot read an Ed25519 public key from {key_file}: {exc}") from None
    if key_id is not None and key_id.lower() != kid:
        raise InputError("--key and --key-id name different keys")
    return kid


def _describe(doc: dict[str, Any]) -> str:
    if doc.get("format") == "tribunal-inclusion-proof":
        entry = doc.get("entry") or {}
        what = entry.get("action", "?")
        item = (entry.get("fields") or {}).get("item")
        head = doc["head"]
        return (
            f"ledger entry {doc['leaf_index']} ({what}{' of item ' + item if item else ''}) "
            f"is in the tree of {head['tree_size']} entries signed {head['timestamp']}"
        )
    old, new = doc["old_head"], doc["new_head"]
    return (
        f"the tree of {old['tree_size']} entries (signed {old['timestamp']}) is a prefix of "
        f"the tree of {new['tree_size']} entries (signed {new['timestamp']})"
    )


@click.command("verify-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key-id", default=None, help="Require this key id (SHA-256 of the public key, hex).")
@click.option(
    "--key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Require the key in this PEM public key file (e.g. from `tribunal export-key`).",
)
@click.option(
    "--against",
    "earlier",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An earlier proof from the same case; its signed roots must agree (repeatable).",
)
@json_option
def verify_proof(
    file: Path,
    key_id: str | None,
    key_file: Path | None,
    earlier: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Check an inclusion or consistency proof FILE, without any case.

    Exit status 0 when valid, 1 with the reasons when not. A proof names its own public key;
    pass --key or --key-id to insist it is the key the case's owner published. With
    --against OLD.json, a head for the same number of entries must have the same root in
    both (otherwise the ledger was rewritten between them).

    \b
    Examples:
      tribunal verify-proof proof.json
      tribunal verify-proof proof.json --key case_public_key.pem
      tribunal verify-proof new.json --against old.json --json
    """
    from tribunal.archive import proofs

    trusted = _trusted_key_id(key_id, key_file)
    known: list[dict[str, Any]] = []
    for path in earlier:
        old = _load_doc(path)
        if isinstance(old, Exception) or proofs.verify_proof_document(old, trusted_key_id=trusted):
            raise InputError(
                f"{path} is not a valid proof, so it cannot vouch for another",
                hint=f"check it with: tribunal verify-proof {path}",
            )
        known += proofs.document_heads(old)
    doc = _load_doc(file)
    if isinstance(doc, Exception):
        errors = [f"{file} is not readable JSON: {doc}"]
    else:
        errors = proofs.verify_proof_document(doc, trusted_key_id=trusted, known_heads=known)
    valid = not errors
    result: dict[str, Any] = {"file": str(file), "valid": valid, "errors": errors}
    if valid:
        result["format"] = doc["format"]
        result["key_id"] = doc["public_key"]["key_id"]
        result["statement"] = _describe(doc)
        result["key_pinned"] = trusted is not None

    def human(r: dict[str, Any]) -> None:
        if r["valid"]:
            console.print(f"[green]valid[/green]: {r['statement']}")
            pin = "matches the key you gave" if r["key_pinned"] else (
                "compare it with the key id the case's owner published"
            )
            console.print(f"signed by key {r['key_id']} ({pin})")
        else:
            console.print(f"[red]INVALID[/red]: {r['file']}")
            for e in r["errors"]:
                console.print(f"  - {e}", markup=False)

    emit(result, as_json, human)
    if not valid:
        sys.exit(1)  # click's Exit is swallowed outside standalone mode


@click.command()
@click.argument("old_size", type=COUNT)
@click.argument("new_size", type=COUNT, required=False)
@out_option
@json_option
@click.pass_context
def consistency(
    ctx: click.Context, old_size: int, new_size: int | None, out: Path | None, as_json: bool
) -> None:
    """Prove the signed tree of OLD_SIZE entries is a prefix of NEW_SIZE (default: latest).

    Someone holding an older proof or head can check with `tribunal verify-proof FILE` that
    nothing it covered was rewritten since. Sizes with a signed head are listed by
    `tribunal log --heads`.

    \b
    Examples:
      tribunal consistency 4 --out c.json     the head of 4 entries against the latest
      tribunal consistency 4 9                between the heads of 4 and 9 entries
      tribunal verify-proof c.json
    """
    from tribunal.archive import proofs
    from tribunal.archive.case import open_case

    refuse_inside_case(out, ctx, "a proof")
    with open_case(case_dir(ctx)) as case:
        doc = proofs.consistency_proof_document(case, old_size, new_size)
    summary = {
        "old_size": doc["old_head"]["tree_size"],
        "new_size": doc["new_head"]["tree_size"],
        "proof_length": len(doc["proof"]),
    }
    _deliver(
        doc, out, as_json, summary,
        f"the tree of {summary['old_size']} entries is a prefix of the tree of "
        f"{summary['new_size']} ({summary['proof_length']} hashes)",
    )


@click.command()
@click.option("--item", default=None, help="Only entries about this item.")
@click.option("--limit", type=COUNT, default=50, show_default=True, help="Show the last N entries (0: all).")
@click.option("--heads", "heads_only", is_flag=True, help="List the signed tree heads only.")
@json_option
@click.pass_context
def log(ctx: click.Context, item: str | None, limit: int, heads_only: bool, as_json: bool) -> None:
    """List custody ledger entries and signed tree heads (the last --limit of each).

    Entries hold only ids, hashes and commitments, never protected names or notes.
    Times are UTC; --json gives them in full, with every hash.

    \b
    Examples:
      tribunal log                    the last 50 entries and heads
      tribunal log --item E-B28VBD92TQ --limit 0
      tribunal log --heads --json     every signed head, in full
    """
    from tribunal.archive.case import open_case
    from tribunal.archive.custody_log import ledger_log

    with open_case(case_dir(ctx)) as case:
        result = ledger_log(case.db, item=item, limit=limit, heads_only=heads_only)

    def human(r: dict[str, Any]) -> None:
        from rich.table import Table

        if not heads_only:
            t = Table(title=f"ledger: {r['tree_size']} entries ({r['shown']} shown)")
            for col in ("seq", "time (UTC)", "action", "item", "fields"):
                t.add_column(col)
            for e in r["entries"]:
                fields = dict(e["fields"] or {})
                it = fields.pop("item", "")
                rest = ", ".join(f"{k}={_clip(v)}" for k, v in sorted(fields.items()))
                when = str(e["time"] or "")[:19].replace("T", " ")
                t.add_row(str(e["seq"]), when, str(e["action"]), str(it), rest)
            console.print(t)
            if item is not None and not r["entries"]:
                console.print(f"no ledger entry names item {item!r}; list ids with `tribunal items`")
        t = Table(title=f"signed tree heads: {len(r['heads'])}")
        for col in ("head", "entries", "root", "timestamp", "key"):
            t.add_column(col)
        for h in r["heads"]:
            t.add_row(
                str(h["id"]), str(h["tree_size"]), _short(h["root_hash"]),
                h["timestamp"][:19].replace("T", " "),
                _short(h["key_id"], 12),
            )
        console.print(t)

    emit(result, as_json, human)


def _clip(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 18 else text[:16] + "…"
