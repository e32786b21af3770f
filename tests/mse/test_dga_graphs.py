"""Enumeration of decomposable graphs, cliques and separators (tribunal.mse.decomposable)."""

from __future__ import annotations

import pytest

from tribunal.mse.decomposable import decomposable_graphs, is_chordal


@pytest.mark.parametrize(("p", "count"), [(2, 2), (3, 8), (4, 61), (5, 822)])
def test_number_of_labelled_decomposable_graphs(p: int, count: int) -> None:
    # OEIS A058862: labelled chordal graphs on p vertices.
    assert len(decomposable_graphs(p)) == count


def test_four_cycle_is_not_chordal_but_with_a_chord_it_is() -> None:
    square = ((0, 1), (1, 2), (2, 3), (0, 3))
    assert not is_chordal(4, square)
    assert is_chordal(4, (*square, (0, 2)))


def test_cliques_and_separators_of_a_path_and_of_disconnected_graphs() -> None:
    by_edges = {g.edges: g for g in decomposable_graphs(4)}
    path = by_edges[((0, 1), (1, 2), (2, 3))]
    assert set(path.cliques) == {(0, 1), (1, 2), (2, 3)}
    assert sorted(path.separators) == [(1,), (2,)]
    empty = by_edges[()]
    assert empty.cliques == ((0,), (1,), (2,), (3,))
    assert empty.separators == ((), (), ())
    assert by_edges[((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))].cliques == ((0, 1, 2, 3),)


def test_junction_tree_identity_holds_for_every_graph() -> None:
    # Running intersection property: sum |C| - sum |S| = p for a junction tree (forest
    # joined by empty separators) of any chordal graph.
    for p in (3, 4, 5):
        for g in decomposable_graphs(p):
            assert sum(map(len, g.cliques)) - sum(map(len, g.separators)) == p
            assert len(g.separators) == len(g.cliques) - 1


def test_labels_use_list_names() -> None:
    g = next(g for g in decomposable_graphs(3) if g.edges == ((0, 1),))
    assert g.label(("A", "B", "C")) == "[A,B][C]"
    assert g.edge_labels(("A", "B", "C")) == ["A:B"]
