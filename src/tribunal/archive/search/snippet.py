"""Snippets of the ORIGINAL text around the best cluster of matches, with offsets.

Matches are found on the folded text (so 肝臟 in a document is highlighted for the query
肝脏, and "Transplants" for "transplant") and mapped back to offsets in the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tribunal.archive.search.normalize import fold_chars
from tribunal.archive.search.query import Query
from tribunal.archive.search.tokens import stem

# Documents are scanned for highlights up to this many characters (the index has them
# all; a snippet from the first 2 M characters is enough to show why a document matched).
SCAN_CHARS = 2_000_000
WIDTH = 160
LEAD = 40
# Matches collected per query unit: enough to choose a window and list offsets, and a
# bound on the work for a document made of one character repeated a million times.
MAX_MATCHES = 10_000


@dataclass
class Snippet:
    text: str  # a window of the original text, whitespace shown as single spaces
    highlights: list[tuple[int, int]]  # [start, end) in ``text``
    matches: list[tuple[int, int]]  # [start, end) in the original document

    def marked(self, left: str = "[", right: str = "]") -> str:
        out: list[str] = []
        pos = 0
        for s, e in self.highlights:
            out.append(self.text[pos:s])
            out.append(left + self.text[s:e] + right)
            pos = e
        out.append(self.text[pos:])
        return "".join(out)


def find_matches(text: str, query: Query) -> list[tuple[int, int, int]]:
    """(start, end, unit index) of every match, as offsets into ``text``."""
    scanned = text[:SCAN_CHARS]
    folded, offsets = fold_chars(scanned)
    found: list[tuple[int, int, int]] = []
    for ui, unit in enumerate(query.units):
        for run in unit.cjk_runs:
            pattern = r"\s*".join(re.escape(ch) for ch in run)
            for n, m in enumerate(re.finditer(pattern, folded)):
                if n >= MAX_MATCHES:
                    break
                found.append((m.start(), m.end(), ui))
        for word in unit.words:
            head = re.escape(word[:2])
            n = 0
            for m in re.finditer(rf"(?<![^\W_]){head}[^\W_]*", folded):
                if stem(m.group()) == word:
                    found.append((m.start(), m.end(), ui))
                    n += 1
                    if n >= MAX_MATCHES:
                        break
    if offsets is not None:
        found = [(int(offsets[s]), int(offsets[e]), u) for s, e, u in found]
    found.sort()
    return found


def make_snippet(text: str, query: Query, width: int = WIDTH) -> Snippet:
    """The window of ``text`` covering the most distinct query units, highlighted."""
    found = find_matches(text, query)
    if not found:
        window = text[:width]
        return Snippet(_flat(window) + ("…" if len(text) > width else ""), [], [])
    best_start = _best_window(found, width - LEAD)
    a = max(0, best_start - LEAD)
    b = min(len(text), a + width)
    prefix = "…" if a > 0 else ""
    suffix = "…" if b < len(text) else ""
    window = prefix + _flat(text[a:b]) + suffix
    shift = len(prefix) - a
    highlights: list[tuple[int, int]] = []
    for s, e, _ in found:
        if s >= a and e <= b:
            s2, e2 = s + shift, e + shift
            # Overlapping matches, or words of a phrase separated by spaces only, are one
            # highlight: "[waiting times]" rather than "[waiting] [times]".
            if highlights and (
                s2 <= highlights[-1][1] or not window[highlights[-1][1] : s2].strip()
            ):
                highlights[-1] = (highlights[-1][0], max(e2, highlights[-1][1]))
            else:
                highlights.append((s2, e2))
    return Snippet(window, highlights, [(s, e) for s, e, _ in found])


def _best_window(found: list[tuple[int, int, int]], span: int) -> int:
    """Start of the first window of ``span`` characters covering the most distinct units.

    A sliding window over the sorted matches with a count per unit: linear in the number
    of matches (a set per window start was quadratic on repetitive documents).
    """
    counts: dict[int, int] = {}

    def add(unit: int) -> None:
        counts[unit] = counts.get(unit, 0) + 1

    best_start, best_cover = found[0][0], -1
    j = -1  # the window is found[i..j]
    for i, (s, _, _) in enumerate(found):
        if i:
            left = found[i - 1][2]
            counts[left] -= 1
            if not counts[left]:
                del counts[left]
        if j < i:
            j = i
            add(found[i][2])
        while j + 1 < len(found) and found[j + 1][1] - s <= span:
            j += 1
            add(found[j][2])
        if len(counts) > best_cover:
            best_start, best_cover = s, len(counts)
    return best_start


def _flat(text: str) -> str:
    """Whitespace characters become spaces one for one, so offsets stay valid."""
    return re.sub(r"\s", " ", text)
