"""Parse what a user types into a safe FTS5 MATCH expression.

The user's query is plain text, never FTS5 syntax: double quotes group a phrase, spaces
separate units that must all match, and everything else (AND, OR, NEAR, *, parentheses,
column names, SQL) is just text that is folded and tokenised like a document. Terms reach
SQLite only as quoted strings built from our own tokens, and the expression is passed as a
bound parameter, so no input can produce an FTS5 syntax error or reach SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tribunal.archive.search.normalize import normalize
from tribunal.archive.search.tokens import cjk_terms, pair_term, pieces, stem
from tribunal.errors import InputError


@dataclass(frozen=True)
class Unit:
    """One thing that must match: a word, a Chinese string, or a quoted phrase."""

    terms: tuple[str, ...]  # index terms, matched as a phrase
    prefix: bool  # last term is a prefix (a single CJK character)
    cjk_runs: tuple[str, ...]  # folded CJK runs, for highlighting
    words: tuple[str, ...]  # stems, for highlighting
    column: str = "{title body}"  # or "pairs" for a phrase of words

    def fts(self) -> str:
        body = " ".join(t.replace('"', '""') for t in self.terms)
        return f'{self.column} : "{body}"' + (" *" if self.prefix else "")


@dataclass(frozen=True)
class Query:
    text: str
    units: tuple[Unit, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.units

    def fts(self) -> str:
        """The MATCH expression: every unit must match (implicit AND)."""
        return " AND ".join(u.fts() for u in self.units)


def _split(query: str) -> list[str]:
    """Quoted phrases stay whole; the rest splits on whitespace. A lone quote is text."""
    units: list[str] = []
    parts = query.split('"')
    if len(parts) % 2 == 0:  # unbalanced: the last quote opens nothing
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    for i, part in enumerate(parts):
        if i % 2:
            if part.strip():
                units.append(part)
        else:
            units.extend(part.split())
    return units


def _unit(raw: str) -> Unit | None:
    ps = list(pieces(normalize(raw)))
    if not ps:
        return None
    if len(ps) == 1 and ps[0].kind == "cjk" and len(ps[0].text) == 1:
        ch = ps[0].text
        return Unit((ch,), True, (ch,), ())
    if len(ps) > 1 and all(p.kind == "word" for p in ps):
        # A phrase of words: its consecutive word pairs, as a phrase in the pairs column.
        stems = [stem(p.text) for p in ps]
        pairs = tuple(pair_term(a, b) for a, b in zip(stems, stems[1:], strict=False))
        return Unit(pairs, False, (), tuple(stems), column="pairs")
    terms: list[str] = []
    for i, p in enumerate(ps):
        last = i == len(ps) - 1
        if p.kind == "cjk":
            # A run inside a phrase is followed in documents by its trailing unigram; a run
            # that ends the query may continue in the document, so it gets none.
            terms.extend(cjk_terms(p.text, trailing=not last))
        else:
            terms.append(stem(p.text))
    prefix = ps[-1].kind == "cjk" and len(ps[-1].text) == 1
    return Unit(
        tuple(terms),
        prefix,
        tuple(p.text for p in ps if p.kind == "cjk"),
        tuple(stem(p.text) for p in ps if p.kind == "word"),
    )


# Bounds on what one query may ask: each unit is a phrase SQLite must intersect and a
# pattern every snippet scans for, so thousands of them cost seconds per query.
MAX_QUERY_CHARS = 10_000
MAX_UNITS = 64


def parse_query(query: str) -> Query:
    """Parse user input; a query of punctuation only has no units (``.empty``).

    Repeated words or phrases count once. Raises :class:`InputError` for a query longer
    than ``MAX_QUERY_CHARS`` characters or with more than ``MAX_UNITS`` distinct words and
    phrases.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(
            f"the query is {len(query):,} characters long; at most {MAX_QUERY_CHARS:,} are searched",
            hint="search for a few distinctive words or a phrase from the text",
        )
    units: list[Unit] = []
    seen: set[tuple[str, tuple[str, ...], bool]] = set()
    for unit in (_unit(raw) for raw in _split(query.replace("\x00", " "))):
        if unit is None or (unit.column, unit.terms, unit.prefix) in seen:
            continue
        seen.add((unit.column, unit.terms, unit.prefix))
        units.append(unit)
    if len(units) > MAX_UNITS:
        raise InputError(
            f"the query has {len(units)} different words or phrases; at most {MAX_UNITS} are allowed",
            hint='every word must match; search for fewer words, or put a passage in "quotes"',
        )
    return Query(query, tuple(units))
