"""``tribunal search`` and ``tribunal reindex``: thin wrappers over tribunal.archive.search."""

from __future__ import annotations

from typing import Any

import click

from tribunal.cli.output import case_dir, console, emit, json_option


def _index_path(ctx: click.Context) -> Any:
    from tribunal.errors import CaseError

    root = case_dir(ctx)
    if not (root / "case.sqlite").is_file():
        raise CaseError(
            f"{root} is not a case folder",
            hint=f"create one with: tribunal --case {root} init",
        )
    path = root / "search.sqlite"
    if not path.is_file():
        raise CaseError(
            f"the case {root} has no search index yet",
            hint="ingest documents with `tribunal ingest`, or build it with `tribunal reindex`",
        )
    return path


class _QueryCommand(click.Command):
    """A command whose argument is free text: a query such as ``-liver`` is not an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        original = list(args)  # click's parser consumes the list it is given
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            word = next((a for a in original if a.startswith(exc.option_name)), exc.option_name)
            raise click.UsageError(
                f"{exc.format_message()}\nTo search for text starting with '-', put it "
                f"after '--': tribunal search -- {word}",
                ctx,
            ) from None


@click.command(cls=_QueryCommand)
@click.argument("query")
@click.option("--kind", help="Only items of this kind (pdf, html, email, table, ...).")
@click.option(
    "--language",
    help="Only this language: zh, en or mixed (as detected), or the tag given at ingest "
    "(zh also matches zh-Hans and zh-Hant).",
)
@click.option("--from", "date_from", metavar="DATE", help="Captured on or after DATE (YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="Captured on or before DATE (YYYY-MM-DD).")
@click.option(
    "--sensitivity",
    type=click.Choice(["public", "restricted", "protected"]),
    help="Only items of this sensitivity.",
)
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="Most hits shown."
)
@click.option(
    "--include-protected",
    is_flag=True,
    help="Search protected items too (left out entirely by default).",
)
@json_option
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    kind: str | None,
    language: str | None,
    date_from: str | None,
    date_to: str | None,
    sensitivity: str | None,
    limit: int,
    include_protected: bool,
    as_json: bool,
) -> None:
    """Full-text search of the case, Chinese and English, best matches first.

    \b
    Words must all match; "double quotes" make a phrase. Chinese needs no spaces:
    器官 finds every text containing 器官, and 肝臟 finds 肝脏 (traditional and
    simplified match each other). English words are stemmed (transplants finds
    transplant). Other characters (AND, OR, *, parentheses) are searched as text;
    punctuation, symbols and emoji alone match nothing. A query starting with "-"
    goes after "--": tribunal search -- -word.
    """
    from tribunal.archive.search import SearchIndex, parse_query

    path = _index_path(ctx)
    with SearchIndex(path) as index:
        hits = index.search(
            query,
            kind=kind,
            language=language,
            date_from=date_from,
            date_to=date_to,
            sensitivity=sensitivity,
            include_protected=include_protected,
            limit=limit,
        )
    result = {"query": query, "count": len(hits), "hits": hits}
    empty_query = parse_query(query).empty
    emit(result, as_json, lambda r: _show(r, empty_query))


def _show(result: dict[str, Any], empty_query: bool) -> None:
    from rich.text import Text

    if empty_query:
        console.print(
            "The query has no letters, digits or Chinese characters to search for"
            " (punctuation, symbols and emoji are not indexed)."
        )
        return
    if not result["hits"]:
        console.print(f"No matches for {result['query']!r}.")
        return
    for n, hit in enumerate(result["hits"], 1):
        facts = " · ".join(x for x in (hit.kind, hit.language, hit.date or "", hit.sensitivity) if x)
        head = Text(f"{n:>3}. ")
        head.append(hit.doc_id, style="bold cyan")
        head.append(f"  {hit.score:.2f}  {facts}", style="dim")
        console.print(head)
        if hit.title:
            console.print(Text("     " + hit.title, style="bold"))
        if console.is_terminal:
            line = Text("     " + (hit.snippet_text or ""))
            for s, e in hit.highlights:
                line.stylize("bold yellow", s + 5, e + 5)
            console.print(line)
        else:
            console.print("     " + (hit.snippet or ""), markup=False, highlight=False)


@click.command()
@json_option
@click.pass_context
def reindex(ctx: click.Context, as_json: bool) -> None:
    """Rebuild the search index from the case's extracted-text items.

    The index (search.sqlite) is derived data: deleting and rebuilding it never touches
    the evidence or the custody ledger.
    """
    from tribunal.archive.search.rebuild import rebuild_index
    from tribunal.progress import progress_bar

    with progress_bar("indexing") as on_progress:
        result = rebuild_index(case_dir(ctx), on_progress=on_progress)
    emit(
        result,
        as_json,
        lambda r: console.print(f"Indexed {r['indexed']} text item(s) into {r['path']}."),
    )
