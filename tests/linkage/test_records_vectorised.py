"""The per-distinct-value (vectorised) ``standardise`` gives the same records as normalising
each row on its own, on generated lists with every field kind."""

from __future__ import annotations

import re

import pandas as pd

from tribunal.linkage.dates import infer_day_first, parse_partial_date, year_from
from tribunal.linkage.mapping import ColumnMapping, recognise
from tribunal.linkage.names import normalise_name
from tribunal.linkage.names_zh import has_han
from tribunal.linkage.places import parse_place
from tribunal.linkage.records import _joined, normalise_sex, standardise, standardise_table
from tribunal.linkage.resident_id import parse_resident_id
from tribunal.linkage.synth import make_lists


def _per_row(frame: pd.DataFrame, mapping: ColumnMapping) -> dict[str, list]:
    """Reference: every row normalised independently, with the documented rules."""
    f = mapping.fields
    cols = {k: list(_joined(frame, f.get(k, []))) for k in
            ("name", "birth_date", "birth_year", "place", "sex", "event")}
    ids = list(_joined(frame, f.get("id_number", []), ""))
    places = [list(_joined(frame, [c])) for c in f.get("place", [])]
    day_first = infer_day_first(cols["birth_date"])
    out: dict[str, list] = {k: [] for k in ("name_key", "name_tokens", "name_variants",
                                            "name_canon", "name_skel", "name_hz", "birth_date",
                                            "birth_ym", "birth_year", "sex", "place_province",
                                            "place_prefecture", "place_leaf", "id_number",
                                            "event", "name")}
    for i in range(len(frame)):
        k = normalise_name(cols["name"][i])
        d = (parse_partial_date(cols["birth_date"][i], day_first=day_first)
             if cols["birth_date"][i] else None)
        parts = [col[i] for col in places if col[i]]
        # one place column is read as written; several Latin ones as "town, state"
        latin = len(parts) > 1 and not any(has_han(x) for x in parts)
        p = parse_place((", ".join(reversed(parts)) if latin else "".join(parts)) or None)
        r = parse_resident_id(ids[i]) if ids[i] else None
        sex = normalise_sex(cols["sex"][i])
        if r is not None:
            d = d or parse_partial_date(r.birth_date.isoformat())
            sex = sex or r.sex
        y = year_from(cols["birth_year"][i]) if cols["birth_year"][i] else None
        prov = p.province or (r.province_code if r else "")
        vals = {
            "name_key": k.key or None, "name_tokens": list(k.tokens) or None,
            "name_variants": list(k.variants) or None, "name_canon": list(k.canon) or None,
            "name_skel": k.skeleton or None, "name_hz": k.hanzi or None,
            "birth_date": d.full if d else None, "birth_ym": d.year_month if d else None,
            "birth_year": d.year if d else y, "sex": sex, "place_province": prov or None,
            "place_prefecture": p.prefecture or None,
            "place_leaf": (p.county or p.prefecture or prov) or None,
            "id_number": r.number if r else (re.sub(r"[\s\-./]", "", ids[i]).upper()
                                             or None),
            "event": cols["event"][i] or None, "name": cols["name"][i],
        }
        for key, v in vals.items():
            out[key].append(v)
    return out


def _clean(values) -> list:
    return [None if v is None or (not isinstance(v, list) and pd.isna(v)) else v
            for v in values]


def _check(frame: pd.DataFrame, mapping: ColumnMapping) -> None:
    got = standardise(frame, mapping, "x", start_row=10)
    want = _per_row(frame, mapping)
    assert list(got["unique_id"]) == [f"x:{i}" for i in range(11, 11 + len(frame))]
    for col, values in want.items():
        assert _clean(got[col]) == values, col
    # The Arrow table written to Parquet holds the same values as the pandas records.
    table = standardise_table(frame, mapping, "x", start_row=10)
    assert table.column_names == list(got.columns)
    for col in got.columns:
        assert table.column(col).to_pylist() == _clean(got[col]), col


def test_generated_lists_match_per_row():
    lists, _ = make_lists(150, seed=5)
    assert {len(f) for f in lists.values()} and min(len(f) for f in lists.values()) > 20
    for frame in lists.values():
        _check(frame, recognise(list(frame.columns)))


def test_repeats_ids_years_and_blanks_match_per_row():
    frame = pd.DataFrame({
        "name": ["王秀英", "Wang Xiuying", "", "王秀英", "Tom Chudleigh", None, "WANG Hsiu-ying"],
        "dob": ["1968-03", "", "1968年3月12日", "1968-03", "nan", "12/03/1968", ""],
        "year": ["", "1968", "1970.0", "", "1955", "", "abc"],
        "city": ["新疆喀什地区疏附县", "Kashgar, Xinjiang", "", "新疆喀什地区疏附县", "", None,
                 "Urumqi"],
        "id": ["", "11010519491231002X", "650121198001011234", "", "bad-id", "", ""],
        "sex": ["女", "", "M", "female", "", "2", ""],
        "event": ["detained", "", None, "detained", "", "", "x"],
        "note": [1, 1.0, "NaN", None, " A ", "a", True],
    })
    mapping = ColumnMapping({"name": ["name"], "birth_date": ["dob"], "birth_year": ["year"],
                             "place": ["city"], "id_number": ["id"], "sex": ["sex"],
                             "event": ["event"]}, attributes=["note"])
    _check(frame, mapping)
    # several columns joined into one field, spreadsheet cells of mixed types
    _check(frame.assign(given=["秀英", "Xiu", None, "", 3, "nan", "Ying"]),
           ColumnMapping({"name": ["name", "given"], "birth_date": ["dob"],
                          "id_number": ["id", "year"]}, attributes=["note"]))
    _check(frame.iloc[0:0], mapping)


def test_parts_are_the_same_with_worker_processes(tmp_path):
    """Chunks normalised in worker processes give the same parts, in the same order, as
    normalising them in this process; errors still reach the caller."""
    import pyarrow.parquet as pq
    import pytest

    from tribunal.errors import InputError
    from tribunal.linkage.normalise import normalise_lists

    lists, _ = make_lists(150, seed=7)
    paths = []
    for name, frame in lists.items():
        paths.append(tmp_path / f"{name}.csv")
        frame.to_csv(paths[-1], index=False)
    one = normalise_lists(paths, tmp_path / "one", chunk_rows=40, workers=1)
    two = normalise_lists(paths, tmp_path / "two", chunk_rows=40, workers=2)
    assert [i.to_dict() for i in one[0]] == [i.to_dict() for i in two[0]]
    assert len(one[1]) == len(two[1]) > len(paths)
    for a, b in zip(one[1], two[1], strict=True):
        assert pq.read_table(a).equals(pq.read_table(b))
    with pytest.raises(InputError, match="more than"):
        normalise_lists(paths, tmp_path / "three", chunk_rows=40, workers=2,
                        max_records=100)


def test_default_workers_count_the_cores_idle_now(monkeypatch):
    """Workers are the cores idle over the last tenth of a second (a job that has just
    ended does not count, as it would in the load average); the load average only where
    the CPU counters cannot be read."""
    import os

    import tribunal.linkage.normalise as norm

    if not hasattr(os, "sched_getaffinity"):
        return
    cores = len(os.sched_getaffinity(0))
    busy = norm.busy_cores(0.05)
    assert busy is None or 0.0 <= busy <= (os.cpu_count() or 1)
    ticks = iter([(1000, 400), (1000 + 100 * cores, 400 + 100 * cores)])  # all idle
    monkeypatch.setattr(norm, "_cpu_times", lambda: next(ticks))
    monkeypatch.setattr(os, "getloadavg", lambda: (50.0, 50.0, 50.0))  # stale, ignored
    assert norm.default_workers() == min(4, cores)
    ticks = iter([(1000, 400), (1000 + 100 * cores, 400)])  # every core busy
    monkeypatch.setattr(norm, "_cpu_times", lambda: next(ticks))
    assert norm.default_workers() == 1
    monkeypatch.setattr(norm, "_cpu_times", lambda: None)  # no /proc/stat: load average
    assert norm.default_workers() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0))  # only this process
    assert norm.default_workers() == min(4, cores)


def test_a_chunk_packed_for_a_worker_comes_back_unchanged():
    """Cells joined for the trip to a worker: text with the separator in it, numbers and
    missing cells of a spreadsheet, repeated column names and empty chunks survive it."""
    from tribunal.linkage.normalise import _pack, _unpack

    frames = [
        pd.DataFrame([["Li Wei", "a\x00b", 1.5], ["", "c", None]], columns=["n", "n", "y"],
                     dtype=object),
        pd.DataFrame([["王秀英", "1968"]], columns=["姓名", "出生"], dtype=object),
        pd.DataFrame([], columns=["name"], dtype=object),
    ]
    for frame in frames:
        back = _unpack(*_pack(frame))
        pd.testing.assert_frame_equal(back, frame)
        assert [type(v) for v in back.to_numpy().ravel()] == [
            type(v) for v in frame.to_numpy().ravel()]


def test_a_worker_that_dies_leaves_the_parts_whole(tmp_path, monkeypatch):
    """A worker process that dies mid-run (a crash, the out-of-memory killer) costs
    speed only: its chunks and the rest are normalised in this process, the parts the
    same; nothing stays frozen from the fork."""
    import gc
    import os

    import pyarrow.parquet as pq

    from tribunal.linkage import normalise as norm

    lists, _ = make_lists(150, seed=7)
    paths = []
    for name, frame in lists.items():
        paths.append(tmp_path / f"{name}.csv")
        frame.to_csv(paths[-1], index=False)
    one = norm.normalise_lists(paths, tmp_path / "one", chunk_rows=40, workers=1)
    parent, real = os.getpid(), norm._write_part

    def dies_in_a_worker(frame, mapping, source, start_row, part):
        if os.getpid() != parent and start_row >= 80:
            os._exit(3)
        real(frame, mapping, source, start_row, part)

    monkeypatch.setattr(norm, "_write_part", dies_in_a_worker)
    seen: list[int] = []
    two = norm.normalise_lists(paths, tmp_path / "two", chunk_rows=40, workers=2,
                               on_progress=lambda done, _total: seen.append(done))
    # progress still moves forward only, to every record
    assert seen == sorted(seen) and seen[-1] == sum(i.n_rows for i in one[0])
    assert [i.to_dict() for i in one[0]] == [i.to_dict() for i in two[0]]
    assert len(one[1]) == len(two[1]) > len(paths)
    for a, b in zip(one[1], two[1], strict=True):
        assert pq.read_table(a).equals(pq.read_table(b))
    assert gc.get_freeze_count() == 0
