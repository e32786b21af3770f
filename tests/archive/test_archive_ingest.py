"""Ingest: items, derived items, ingest events, ledger leaves and bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from archive_core_helpers import fake_extract, make_corpus, new_case

from tribunal.archive import ledger
from tribunal.archive.blobstore import BlobStore
from tribunal.archive.ingest import ingest_paths
from tribunal.archive.items import Capture, get_item, ingest_events, list_items
from tribunal.archive.verify import verify_case


def _ingest(case, paths, **kw):
    kw.setdefault("extractor", fake_extract)
    kw.setdefault("index", False)
    return ingest_paths(case, paths, **kw)


def test_ingest_folder_dedupes_records_every_event_and_signs(tmp_path):
    src = make_corpus(tmp_path)
    case = new_case(tmp_path)
    capture = Capture(source_url="https://example.org/a", captured_at="2019-06-17T14:03:00Z",
                      collector="analyst 1", method="wget", notes="n", sensitivity="restricted")  # fmt: skip
    report = _ingest(case, [src], capture=capture)
    assert len(report.files) == 15 and not report.failures
    originals = list_items(case.db, originals_only=True)
    assert len(originals) == 14  # copy.txt duplicates doc000.txt
    dup = [f for f in report.files if not f.new]
    assert len(dup) == 1 and dup[0].item_id == next(f.item_id for f in report.files if f.path.endswith("doc000.txt"))
    assert len(ingest_events(case.db, dup[0].item_id)) == 2
    item = get_item(case.db, dup[0].item_id)
    assert item.source_url == "https://example.org/a" and item.sensitivity == "restricted"
    # text and table derivations are items linked to their parent
    table_file = next(f for f in report.files if f.path.endswith("table.csv"))
    kids = list_items(case.db, parent_id=table_file.item_id)
    assert {k.relation for k in kids} == {"text", "table:table"}  # named after table.csv
    assert all(k.sensitivity == "restricted" for k in kids)
    # ledger: one leaf per ingest event and per derived item, a head over all of them
    n_events = case.db.execute("SELECT COUNT(*) FROM ingests").fetchone()[0]
    n_derived = case.db.execute("SELECT COUNT(*) FROM items WHERE parent_id IS NOT NULL").fetchone()[0]
    assert ledger.tree_size(case.db) == n_events + n_derived
    assert report.head.tree_size == ledger.tree_size(case.db)
    assert verify_case(case).ok
    # leaves hold hashes and ids, never names, URLs or notes
    for e in ledger.entries(case.db):
        text = e.entry.decode()
        assert "example.org" not in text and "analyst" not in text and "doc0" not in text
    case.close()


def test_reingest_adds_events_not_items(tmp_path):
    src = make_corpus(tmp_path)
    case = new_case(tmp_path)
    _ingest(case, [src])
    n_items = case.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    again = _ingest(case, [src])
    assert again.new_items == 0 and len(again.files) == 15
    assert case.db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == n_items
    assert case.db.execute("SELECT COUNT(*) FROM ingests").fetchone()[0] == 30
    assert verify_case(case).ok
    case.close()


def test_bad_input_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    src = tmp_path / "bad"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "locked.pdf").write_bytes(b"%PDF-1.4\n/Encrypt 5 0 R\n%%EOF")
    (src / "garbage.txt").write_bytes(b"\xff\xfe\x00\xd8\x00" * 100)
    (src / "line\nbreak.txt").write_text("name with a newline")
    weird = os.fsencode(str(src)) + b"/latin1-\xe9\xff.txt"
    with open(weird, "wb") as fh:
        fh.write(b"non-UTF-8 file name")
    os.symlink(src, src / "loop")
    os.symlink(src / "missing", src / "dangling")
    os.mkfifo(src / "pipe")
    (src / "unreadable.txt").write_text("secret")
    real_put = BlobStore.put_file

    def put_file(self, source):
        if os.fsdecode(source).endswith("unreadable.txt"):
            raise PermissionError(13, "Permission denied")
        return real_put(self, source)

    monkeypatch.setattr(BlobStore, "put_file", put_file)

    def flaky(path, declared_mime=None):
        if Path(path).read_bytes().startswith(b"\xff\xfe\x00\xd8"):
            raise ValueError("decoder exploded")
        return fake_extract(path, declared_mime)

    case = new_case(tmp_path)
    _ingest(case, [tmp_path / "nope"])  # an empty first batch must not break anything
    report = _ingest(case, [src], extractor=flaky)
    reasons = {os.path.basename(f.path): f.reason for f in report.failures}
    assert "Permission denied" in reasons["unreadable.txt"]
    assert "loop" in reasons["loop"]
    assert "broken" in reasons["dangling"]
    assert "not a regular file" in reasons["pipe"]
    stored = {os.path.basename(f.path): f for f in report.files}
    assert set(stored) == {"empty.txt", "locked.pdf", "garbage.txt", "line\nbreak.txt", "latin1-\\xe9\\xff.txt"}
    assert any("encrypted PDF" in w for w in stored["locked.pdf"].warnings)
    assert any("decoder exploded" in w for w in stored["garbage.txt"].warnings)
    assert any("empty" in w for w in stored["empty.txt"].warnings)
    assert get_item(case.db, stored["latin1-\\xe9\\xff.txt"].item_id).filename == "latin1-\\xe9\\xff.txt"
    json.dumps(report.to_dict(), default=str)  # every name must be printable as JSON
    assert verify_case(case).ok
    case.close()


def test_failure_never_alters_what_was_stored(tmp_path, monkeypatch):
    src = make_corpus(tmp_path)
    case = new_case(tmp_path)
    _ingest(case, [src])
    before = case.db.execute("SELECT * FROM items ORDER BY id").fetchall()

    def broken(path):
        raise RuntimeError("extractor bug")

    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.txt").write_text("新的文件")
    report = _ingest(case, [src, tmp_path / "more"], extractor=broken)
    after = case.db.execute("SELECT * FROM items ORDER BY id").fetchall()
    assert set(before) <= set(after) and len(after) == len(before) + 1
    assert report.new_items == 1
    assert verify_case(case).ok
    case.close()


def test_search_index_receives_text_with_filters(tmp_path, monkeypatch):
    added = []

    class FakeIndex:
        def __init__(self, path):
            self.path = path

        def add(self, doc_id, text, **kw):
            added.append((doc_id, text, kw))

        def commit(self):
            pass

        def close(self):
            pass

    import tribunal.archive.indexing as indexing

    monkeypatch.setattr(indexing, "_search_index_class", lambda: FakeIndex)
    src = make_corpus(tmp_path, n=2)
    case = new_case(tmp_path)
    ingest_paths(case, [src], Capture(captured_at="2016-03-01T00:00:00Z", sensitivity="protected"),
                 extractor=fake_extract)  # fmt: skip
    assert any("肝脏" in text for _, text, _ in added)
    kw = added[0][2]
    assert kw["date"] == "2016-03-01" and kw["sensitivity"] == "protected" and kw["title"]
    assert case.db.execute("SELECT COUNT(*) FROM index_queue").fetchone()[0] == 0
    case.close()


def test_real_extractor_end_to_end(tmp_path):
    pytest.importorskip("tribunal.archive.extract")
    src = tmp_path / "src"
    src.mkdir()
    (src / "page.html").write_text(
        "<html><head><script>var secret='器官';</script><style>p{}</style></head>"
        "<body><p>肝臟移植 waiting times</p></body></html>", encoding="utf-8")  # fmt: skip
    (src / "gb.txt").write_bytes("供体器官分配与共享".encode("gb18030"))
    case = new_case(tmp_path)
    report = ingest_paths(case, [src], index=False)
    assert not report.failures
    texts = {}
    for f in report.files:
        for d in list_items(case.db, parent_id=f.item_id):
            if d.relation == "text":
                texts[f.path.rsplit("/", 1)[1]] = case.blobs.path(d.sha256).read_text("utf-8")
    assert "肝臟移植" in texts["page.html"] and "var secret" not in texts["page.html"]
    assert "供体器官" in texts["gb.txt"]
    case.close()


def test_real_encrypted_and_corrupt_pdfs_are_kept_with_reasons(tmp_path):
    pytest.importorskip("tribunal.archive.extract")
    from pypdf import PdfWriter

    from tribunal.demo.archive_step import minimal_pdf

    src = tmp_path / "src"
    src.mkdir()
    good = minimal_pdf(["organ transplant waiting time"])
    (src / "good.pdf").write_bytes(good)
    (src / "corrupt.pdf").write_bytes(good[: len(good) // 2] + b"\x00garbage")
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    with open(src / "locked.pdf", "wb") as fh:
        writer.write(fh)
    case = new_case(tmp_path)
    report = ingest_paths(case, [src], index=False)
    assert not report.failures
    by_name = {f.path.rsplit("/", 1)[1]: f for f in report.files}
    assert by_name["good.pdf"].derived and not by_name["good.pdf"].warnings
    assert any("encrypt" in w.lower() for w in by_name["locked.pdf"].warnings)
    assert by_name["corrupt.pdf"].new  # the original is kept whatever the extractor said
    for f in by_name.values():
        assert case.blobs.path(f.sha256).read_bytes() == (src / f.path.rsplit("/", 1)[1]).read_bytes()
    assert verify_case(case).ok
    case.close()


def test_parallel_extraction_keeps_order_and_dedupes_within_the_window(tmp_path):
    pytest.importorskip("tribunal.archive.extract")
    src = tmp_path / "src"
    src.mkdir()
    for i in range(80):
        (src / f"f{i:03d}.txt").write_text(f"器官 document {i // 2}\n" * 20)  # pairs are identical
    case = new_case(tmp_path)
    report = ingest_paths(case, [src], workers=2, index=False)
    assert [f.path.rsplit("/", 1)[1] for f in report.files] == [f"f{i:03d}.txt" for i in range(80)]
    assert report.new_items == 40
    assert [f.new for f in report.files] == [i % 2 == 0 for i in range(80)]
    assert case.db.execute("SELECT COUNT(*) FROM items WHERE parent_id IS NULL").fetchone()[0] == 40
    assert case.db.execute("SELECT COUNT(*) FROM items WHERE relation = 'text'").fetchone()[0] == 40
    assert verify_case(case).ok
    case.close()


def test_email_attachment_is_a_derived_item_with_its_own_text(tmp_path):
    pytest.importorskip("tribunal.archive.extract")
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["To"] = "b@example.org"
    msg["Subject"] = "名单"
    msg.set_content("See the attached list.")
    msg.add_attachment("供体名单 肝脏 2017\n".encode(), maintype="text", subtype="plain",
                       filename="list.txt")  # fmt: skip
    src = tmp_path / "mail.eml"
    src.write_bytes(msg.as_bytes())
    case = new_case(tmp_path)
    report = ingest_paths(case, [src], index=False)
    parent = report.files[0].item_id
    kids = list_items(case.db, parent_id=parent)
    att = next(k for k in kids if k.relation == "attachment:list.txt")
    inner = list_items(case.db, parent_id=att.id)
    assert inner and "供体名单" in case.blobs.path(inner[0].sha256).read_text("utf-8")
    assert verify_case(case).ok
    case.close()


def test_oversized_files_are_stored_not_extracted_and_progress_reaches_total(tmp_path, monkeypatch):
    import tribunal.archive.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "MAX_EXTRACT_BYTES", 100)
    src = make_corpus(tmp_path, n=2)
    big = src / "big.txt"
    big.write_text("器官 " * 1000)
    calls = []
    case = new_case(tmp_path)
    report = _ingest(case, [src], on_progress=lambda done, total: calls.append((done, total)))
    f = next(f for f in report.files if f.path.endswith("big.txt"))
    assert f.new and not f.derived and any("MiB" in w for w in f.warnings)
    assert case.blobs.path(f.sha256).read_bytes() == big.read_bytes()
    assert calls[-1] == (len(report.files), len(report.files)) and len(calls) == len(report.files)
    case.close()


def test_derive_item_adds_a_signed_linked_item(tmp_path):
    from tribunal.archive.records import derive_item

    src = make_corpus(tmp_path, n=2)
    case = new_case(tmp_path)
    report = _ingest(case, [src], capture=Capture(sensitivity="protected"))
    parent = report.files[0].item_id
    heads_before = len(ledger.heads(case.db))
    tid = derive_item(case, parent, "器官移植 (translation)".encode(), relation="translation:zh",
                      kind="text", mime="text/plain; charset=utf-8", language="zh")  # fmt: skip
    assert tid.startswith("D-") and tid == derive_item(
        case, parent, "器官移植 (translation)".encode(), relation="translation:zh",
        kind="text", mime="text/plain; charset=utf-8",
    )  # fmt: skip
    item = get_item(case.db, tid)
    assert item.parent_id == parent and item.sensitivity == "protected"
    assert ledger.entries_for(case.db, action="derive", item=tid)
    assert len(ledger.heads(case.db)) == heads_before + 1
    assert verify_case(case).ok
    case.close()


def test_ingesting_a_folder_that_contains_the_case_skips_the_case(tmp_path):
    src = make_corpus(tmp_path, n=2)
    case = new_case(tmp_path)  # tmp_path/case sits beside tmp_path/src
    report = _ingest(case, [tmp_path])
    assert [f.reason for f in report.failures] == ["this is the case folder itself; not ingested into itself"]
    assert not any("/case/" in f.path for f in report.files)
    assert len(report.files) == len([p for p in src.rglob("*") if p.is_file()])
    assert verify_case(case).ok
    case.close()


def test_a_broken_search_index_never_costs_evidence(tmp_path, monkeypatch):
    import tribunal.archive.indexing as indexing

    class Broken:
        def __init__(self, path):
            raise RuntimeError("index built by another version")

    monkeypatch.setattr(indexing, "_search_index_class", lambda: Broken)
    src = make_corpus(tmp_path, n=2)
    case = new_case(tmp_path)
    report = ingest_paths(case, [src], extractor=fake_extract)
    assert not report.failures and "reindex" in (report.index_error or "")
    queued = case.db.execute("SELECT COUNT(*) FROM index_queue").fetchone()[0]
    assert queued == case.db.execute("SELECT COUNT(*) FROM items WHERE kind = 'text'").fetchone()[0]
    assert verify_case(case).ok
    case.close()
