"""Archive commands: ``init``, ``ingest``, ``items``, ``show``, ``export-key``, ``verify``.

Thin: each parses its options, calls :mod:`tribunal.archive` and prints the result.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tribunal.cli.output import (
    case_dir,
    console,
    emit,
    err_console,
    json_option,
    refuse_inside_case,
)
from tribunal.cli.output import safe_text as _esc


@click.command()
@json_option
@click.pass_context
def init(ctx: click.Context, as_json: bool) -> None:
    """Create a case folder (--case DIR, TRIBUNAL_CASE, or ./case) with its signing key.

    \b
    Example:
      tribunal --case mycase init

    The folder must be new or empty. The private key (keys/ed25519.key, mode 0600)
    never leaves the case; publish the public key with `tribunal export-key`.
    """
    from tribunal.archive import ledger, signing
    from tribunal.archive.case import Case

    case = Case.init(case_dir(ctx))
    try:
        head = ledger.latest_head(case.db)
        key = signing.load_public_key(case.keys_dir)
        result = {
            "case": str(case.root),
            "public_key": signing.public_key_hex(key),
            "key_id": signing.key_id(key),
            "head": head,
        }
    finally:
        case.close()

    def human(r: dict[str, Any]) -> None:
        console.print(f"Created case [bold]{r['case']}[/bold]")
        console.print(f"  signing key id: {r['key_id']}", soft_wrap=True)
        console.print(f"  next: tribunal --case {r['case']} ingest FILES...")

    emit(result, as_json, human)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--source-url", help="Where the material was found (URL).")
@click.option("--captured-at", help="When it was captured, ISO 8601, stored in UTC; no offset means UTC "
              "(e.g. 2019-06-17T14:03:00+08:00).")
@click.option("--collector", help="Who collected it.")
@click.option("--method", help="How it was collected (tool, e.g. 'browser save-as', 'wget').")
@click.option("--language", help="Language of the material (e.g. zh-Hans, zh-Hant, en).")
@click.option("--notes", help="Free-text notes about the capture.")
@click.option(
    "--sensitivity",
    type=click.Choice(["public", "restricted", "protected"]),
    default="public",
    show_default=True,
    help="Protected items never appear in clear in ledger leaves, logs or exports.",
)
@click.option("--show-names", is_flag=True,
              help="Print the file names of a protected ingest (hidden by default).")  # fmt: skip
@json_option
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    source_url: str | None,
    captured_at: str | None,
    collector: str | None,
    method: str | None,
    language: str | None,
    notes: str | None,
    sensitivity: str,
    show_names: bool,
    as_json: bool,
) -> None:
    """Add files and folders (recursively) to the case, with capture metadata.

    Originals are stored once, by content (SHA-256); text and tables are extracted into
    derived items; every ingest is a custody ledger entry and the command ends by signing
    a new tree head. Files that fail are listed with the reason; the rest go on.
    Exit status 1 when any path failed, 2 when the case cannot be written.

    \b
    Examples:
      tribunal ingest captures/
      tribunal ingest page.html --source-url https://example.org/p \\
          --captured-at 2019-06-17T14:03:00+08:00 --collector "analyst A"
      tribunal ingest statement.pdf --sensitivity protected

    Running the same ingest again records new ingest events but stores nothing twice.
    """
    from tribunal.archive.case import Case
    from tribunal.archive.ingest import ingest_paths
    from tribunal.archive.items import Capture
    from tribunal.progress import progress_bar

    capture = Capture(
        source_url=source_url, captured_at=captured_at, collector=collector, method=method,
        language=language, notes=notes, sensitivity=sensitivity,
    )  # fmt: skip
    case = Case.open(case_dir(ctx))
    try:
        with progress_bar("Ingesting", enabled=None if not as_json else False) as bar:
            report = ingest_paths(case, list(paths), capture, on_progress=bar)
    finally:
        case.close()
    emit(report.to_dict(reveal=show_names), as_json, _print_ingest)
    if report.failures:
        sys.exit(1)


def _print_ingest(r: dict[str, Any]) -> None:
    console.print(
        f"Ingested {r['ingested']} file(s), {r['new_items']} new item(s), "
        f"{r['already_held']} already held; {r['bytes'] / 1e6:.1f} MB in {r['seconds']:.1f} s"
    )
    for f in r["files"][:50]:
        extra = f" (+{len(f['derived'])} derived)" if f["derived"] else ""
        state = "new " if f["new"] else "held"
        console.print(f"  {state} {f['item_id']}  {f['kind']:<8} {_esc(f['path'])}{extra}", soft_wrap=True)
    if len(r["files"]) > 50:
        console.print(f"  ... and {len(r['files']) - 50} more (use --json for all)")
    for f in r["files"]:
        for warning in f["warnings"]:
            console.print(f"  [yellow]warning[/yellow] {_esc(f['path'])}: {_esc(warning)}", soft_wrap=True)
    for fail in r["failures"]:
        console.print(f"  [red]failed[/red]  {_esc(fail['path'])}: {_esc(fail['reason'])}", soft_wrap=True)
    if r["index_error"]:
        console.print(f"  [yellow]warning[/yellow] {_esc(r['index_error'])}")
    if r["names_hidden"]:
        console.print("  names of protected files are hidden (--show-names prints them)")
    if r["head"] is not None:
        console.print(f"Signed tree head: size {r['head'].tree_size}, root {r['head'].root_hash.hex()[:16]}…")


@click.command()
@click.option("--kind", help="Only items of this kind (pdf, html, text, table, ...).")
@click.option("--originals", is_flag=True, help="Only originals, not derived items.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many items (default: all).")
@json_option
@click.pass_context
def items(ctx: click.Context, kind: str | None, originals: bool, limit: int | None, as_json: bool) -> None:
    """List the case's items in the order they entered.

    A protected item's file name, URL, collector and notes read [protected] here and in
    --json; `tribunal show ITEM` shows them.

    \b
    Examples:
      tribunal items --originals
      tribunal items --kind pdf --limit 20 --json
    """
    from tribunal.archive.case import open_case
    from tribunal.archive.items import list_items

    with open_case(case_dir(ctx), readonly=True) as case:
        found = list_items(case.db, kind=kind, originals_only=originals, limit=limit)
    rows = [i.to_dict(reveal=False) for i in found]

    def human(rs: list[dict[str, Any]]) -> None:
        from rich.table import Table

        table = Table("id", "kind", "size", "parent", "sensitivity", "name", box=None)
        for r in rs:
            table.add_row(r["id"], r["kind"], str(r["size"]), r["parent_id"] or "",
                          r["sensitivity"], _esc(r["filename"] or ""))  # fmt: skip
        console.print(table)
        console.print(f"{len(rs)} item(s)")

    emit(rows, as_json, human)


@click.command()
@click.argument("item_id")
@click.option("--text", "show_text", is_flag=True,
              help="Print the item's content (text items, first 1 MiB).")  # fmt: skip
@json_option
@click.pass_context
def show(ctx: click.Context, item_id: str, show_text: bool, as_json: bool) -> None:
    """Show one item: metadata, derivations, every ingest and its ledger entries.

    Shows everything, including a protected item's names and notes: it is for the
    investigator working on the case. Ids are not case-sensitive.

    \b
    Examples:
      tribunal show E-7K3QX9ZB2M
      tribunal show D-5W2M0QH1XR --text     # the extracted text (first 1 MiB)
    """
    from tribunal.archive import ledger
    from tribunal.archive.case import open_case
    from tribunal.archive.items import get_item, ingest_events, list_items

    with open_case(case_dir(ctx), readonly=True) as case:
        item = get_item(case.db, item_id)
        result: dict[str, Any] = {
            "item": item.to_dict(),
            "blob": str(case.blobs.path(item.sha256)),
            "derived": [d.to_dict() for d in list_items(case.db, parent_id=item.id)],
            "ingests": ingest_events(case.db, item.id),
            "ledger": [e.to_dict() for e in ledger.entries_for(case.db, item=item.id)],
        }
        if show_text:
            _refuse_binary_text(item, result["derived"])
            with case.blobs.open(item.sha256) as fh:
                result["text"] = fh.read(1 << 20).decode("utf-8", "replace")

    def human(r: dict[str, Any]) -> None:
        it = r["item"]
        console.print(f"[bold]{it['id']}[/bold]  {it['kind']}  {it['mime']}")
        for key in ("filename", "sha256", "size", "parent_id", "relation", "source_url",
                    "captured_at", "collector", "method", "language", "notes", "sensitivity",
                    "created_at"):  # fmt: skip
            if it.get(key) not in (None, ""):
                console.print(f"  {key:<12} {_esc(str(it[key]))}", soft_wrap=True)
        console.print(f"  {'blob':<12} {_esc(r['blob'])}", soft_wrap=True)
        for d in r["derived"]:
            console.print(f"  derived      {d['id']}  {d['relation']}  {d['size']} bytes")
        console.print(f"  ingested {len(r['ingests'])} time(s); ledger entries: "
                      + ", ".join(str(e["seq"]) for e in r["ledger"]))  # fmt: skip
        if "text" in r:
            console.print(_esc(r["text"], keep_lines=True))

    emit(result, as_json, human)


def _refuse_binary_text(item: Any, derived: list[dict[str, Any]]) -> None:
    """``show --text`` of a PDF or image would print bytes; point at its text instead."""
    from tribunal.errors import InputError

    if (item.mime or "").startswith("text/") or item.kind in ("text", "table"):
        return
    texts = [d["id"] for d in derived if d["relation"] == "text"]
    raise InputError(
        f"{item.id} is {item.mime or 'binary'}, not text",
        hint=f"its extracted text: tribunal show {texts[0]} --text" if texts
        else "no text was extracted from it (see the warnings in tribunal show)",
    )


@click.command("export-key")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the PEM public key to this file instead of printing it.")  # fmt: skip
@json_option
@click.pass_context
def export_key(ctx: click.Context, out: Path | None, as_json: bool) -> None:
    """Print (or write) the case's Ed25519 public key, to publish or hand to a court.

    \b
    Examples:
      tribunal export-key                  # PEM on stdout
      tribunal export-key --out case.pub   # anyone can then check proofs and heads
    """
    from tribunal.archive import signing
    from tribunal.archive.case import open_case
    from tribunal.errors import InputError

    refuse_inside_case(out, ctx, "a key file")
    with open_case(case_dir(ctx), readonly=True) as case:
        key = signing.load_public_key(case.keys_dir)
    pem = signing.public_key_pem(key).decode()
    if out:
        try:
            out.write_text(pem)
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}",
                             hint="choose a file in an existing, writable folder") from None  # fmt: skip
    result = {"algorithm": "Ed25519", "public_key": signing.public_key_hex(key),
              "key_id": signing.key_id(key), "pem": pem, "written_to": str(out) if out else None}  # fmt: skip

    def human(r: dict[str, Any]) -> None:
        if out:
            console.print(f"Wrote public key to {out} (key id {r['key_id']})")
        else:
            click.echo(r["pem"], nl=False)

    emit(result, as_json, human)


@click.command()
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Threads hashing blobs.")  # fmt: skip
@json_option
@click.pass_context
def verify(ctx: click.Context, workers: int, as_json: bool) -> None:
    """Re-hash every blob, check every row against the ledger, the tree and signed heads.

    Exit status 0 when the case is intact, 1 when anything is wrong (each problem names
    the item, ledger entry or head concerned), 2 when there is no case. Reads only, so a
    case on read-only media can be checked in place.

    \b
    Examples:
      tribunal --case mycase verify
      tribunal --case mycase verify --json > verify-report.json
    """
    from tribunal.archive.case import open_case
    from tribunal.archive.verify import verify_case
    from tribunal.progress import progress_bar

    with open_case(case_dir(ctx), readonly=True) as case, progress_bar(
        "Verifying", enabled=None if not as_json else False
    ) as bar:
        report = verify_case(case, on_progress=bar, workers=workers)

    def human(r: Any) -> None:
        summary = (
            f"{r.items} items, {r.events} ingest events, {r.entries} ledger entries, "
            f"{r.heads} signed heads, {r.blobs} blobs ({r.bytes_hashed / 1e6:.1f} MB) "
            f"in {r.seconds:.2f} s"
        )
        if r.ok:
            console.print(f"[green]intact[/green]: {summary}", soft_wrap=True)
        else:
            err_console.print(f"[red]{len(r.problems)} problem(s)[/red]: {summary}", soft_wrap=True)
            for p in r.problems:
                console.print(f"  [red]✗[/red] {_esc(p.message)}", soft_wrap=True)
        for note in r.notes[:20]:
            console.print(f"  note: {_esc(note)}", soft_wrap=True)
        if len(r.notes) > 20:
            console.print(f"  ... and {len(r.notes) - 20} more note(s) (use --json for all)")

    emit(report, as_json, human)
    if not report.ok:
        sys.exit(1)
