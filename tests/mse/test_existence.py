"""Fienberg-Rinaldo existence and identifiability codes (SparseMSE checkident)."""

from __future__ import annotations

import pytest

from tribunal.mse.existence import (
    check_existence,
    count_overlapping_triples,
    non_overlapping_pairs,
)
from tribunal.mse.hierarchy import parse_model
from tribunal.mse.table import read_table


@pytest.mark.parametrize(
    ("model", "code"), [("12,13,23", 2), ("12", 1), ("13,23", 0), (None, 0)]
)
def test_artificial_3_codes(shared_data, model, code):
    table = read_table(shared_data / "mse" / "artificial_3.csv")[None]
    assert check_existence(table, parse_model(model, table.lists)).code == code


def test_korea_12_13_fails(shared_data):
    table = read_table(shared_data / "mse" / "korea_palembang.csv")[None]
    assert check_existence(table, parse_model("12,13", table.lists)).code == 1
    assert check_existence(table, parse_model("12,23", table.lists)).code == 0


def test_overlap_helpers(shared_data):
    art = read_table(shared_data / "mse" / "artificial_3.csv")[None]
    assert count_overlapping_triples(art) == 0
    uk = read_table(shared_data / "mse" / "uk_2013_6lists.csv")[None]
    assert "LA:GP" in non_overlapping_pairs(uk)


def test_cached_code_on_support_agrees(shared_data):
    from tribunal.mse.existence import existence_code
    from tribunal.mse.hierarchy import enumerate_hierarchical

    for name in ("artificial_3", "korea_palembang", "western_us"):
        table = read_table(shared_data / "mse" / f"{name}.csv")[None]
        for model in list(enumerate_hierarchical(table.n_lists, 2))[::7]:
            assert existence_code(table, model) == check_existence(table, model).code
