"""Training runs its comparisons through cheaper but exactly equivalent SQL
(compare_sql.guarded_levels applied by the training API): the trained model is the one
Splink's own SQL gives."""

import duckdb
import pandas as pd

import tribunal.linkage.compare_sql as compare_sql
from tribunal.linkage.mapping import recognise
from tribunal.linkage.model import ModelOptions, present_columns, train
from tribunal.linkage.records import standardise
from tribunal.linkage.repeatable import training_api_class
from tribunal.linkage.synth import make_lists


def _model(records: pd.DataFrame) -> dict:
    from splink import DuckDBAPI

    options = ModelOptions(u_max_pairs=3e4, u_chunks=3, em_iterations=6)
    model = train(DuckDBAPI(duckdb.connect()), records, present_columns(records), options)
    return model.linker.misc.save_model_to_json()


def test_training_with_cheaper_comparisons_gives_splinks_model(monkeypatch):
    lists, _ = make_lists(120, seed=9)
    records = pd.concat([standardise(f, recognise(list(f.columns)), n)
                         for n, f in lists.items()], ignore_index=True)
    api = training_api_class()
    statements: list[str] = []
    setup = api._setup_for_execute_sql

    def spy(self, sql, physical_name):
        out = setup(self, sql, physical_name)
        statements.append(out)
        return out

    monkeypatch.setattr(api, "_setup_for_execute_sql", spy)
    fast = _model(records)
    rewritten = [s for s in statements if "LIST_HAS_ANY" in s]
    assert rewritten and any("DAMERAU_LEVENSHTEIN" in s and "LEFT(" in s for s in statements)
    assert not any("list_intersect(\"name_canon_l\"" in s for s in rewritten)

    statements.clear()
    monkeypatch.setattr(compare_sql, "guarded_levels", lambda comparisons: [])
    plain = _model(records)
    assert not any("LIST_HAS_ANY" in s for s in statements)
    assert fast == plain
