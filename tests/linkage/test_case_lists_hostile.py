"""Person lists in the case under hostile input: clear errors, nothing stored changed,
no protected value in any output, values neutralised for spreadsheets and terminals."""

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tribunal.archive.case import Case
from tribunal.archive.items import Capture, list_items
from tribunal.archive.verify import verify_case
from tribunal.cli import cli
from tribunal.errors import InputError
from tribunal.linkage.case_lists import case_inputs, import_lists
from tribunal.linkage.link import normalise_lists
from tribunal.linkage.mapping import parse_mapping
from tribunal.linkage.synth import make_lists


@pytest.fixture(autouse=True)
def _no_case_from_env(monkeypatch):
    monkeypatch.delenv("TRIBUNAL_CASE", raising=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two small generated lists as CSV files."""
    base = tmp_path_factory.mktemp("small")
    frames, _ = make_lists(30, seed=11)
    paths = {}
    for name in ("registry", "hospital"):
        paths[name] = base / f"{name}.csv"
        frames[name].to_csv(paths[name], index=False)
    return paths, frames


def test_mapping_entry_keyed_by_file_name_applies_to_an_item(tmp_path, small):
    """docs/linkage.md: a --mapping entry keyed by the item id or the file name overrides
    the stored mapping of an item linked by id (protected or not)."""
    paths, _ = small
    with Case.init(tmp_path / "case") as case:
        (reg,) = import_lists(case, [paths["registry"]], None, Capture())
        (hosp,) = import_lists(case, [paths["hospital"]], None,
                               Capture(sensitivity="protected"))
        mappings = parse_mapping({"registry.csv": {"name": "姓名", "place": "性别"},
                                  "hospital.csv": {"name": "name", "place": "sex"}})
        inputs = case_inputs(case, [reg.item_id, hosp.item_id])
        infos, _ = normalise_lists(inputs, tmp_path / "work", mappings)
    assert [i.mapping["fields"]["place"] for i in infos] == [["性别"], ["sex"]]
