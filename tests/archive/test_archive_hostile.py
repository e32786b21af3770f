"""The archive commands against hostile or unlucky input: every failure is a clear user
error (exit 2, no traceback), protected names stay hidden, and nothing stored is lost."""

from __future__ import annotations

import errno
import json
import os
import sqlite3

import pytest
from archive_core_helpers import fake_extract, make_corpus, new_case

from tribunal.archive.blobstore import BlobStore
from tribunal.archive.case import Case
from tribunal.archive.ingest import ingest_paths
from tribunal.archive.items import Capture, list_items, normalise_utc
from tribunal.archive.verify import verify_case
from tribunal.cli import main
from tribunal.errors import CaseError, InputError


def cli(capsys, *args):
    """Run the real entry point; returns (exit status, stdout, stderr)."""
    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture()
def case_dir(tmp_path, capsys):
    path = tmp_path / "case"
    assert cli(capsys, "--case", path, "init")[0] == 0
    return path


def test_nonpositive_limit_and_workers_are_refused(case_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b.txt").write_text("two")
    cli(capsys, "--case", case_dir, "ingest", tmp_path / "a.txt", tmp_path / "b.txt")
    # --limit 0 used to list every item, and --limit -1 too (SQLite: no limit).
    for bad in ("0", "-1"):
        code, _, err = cli(capsys, "--case", case_dir, "items", "--limit", bad)
        assert code == 2 and "--limit" in err
    code, _, err = cli(capsys, "--case", case_dir, "verify", "--workers", "0")
    assert code == 2 and "--workers" in err
    with Case.open(case_dir) as case:
        assert list_items(case.db, limit=0) == []
        assert len(list_items(case.db, limit=1)) == 1
        with pytest.raises(ValueError):
            list_items(case.db, limit=-1)


def test_export_key_into_a_missing_folder_is_a_user_error(case_dir, tmp_path, capsys):
    code, _, err = cli(capsys, "--case", case_dir, "export-key", "--out", tmp_path / "no" / "k.pem")
    assert code == 2 and "cannot write" in err and "hint:" in err


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_capture_time_outside_datetime_range_is_an_input_error(value):
    with pytest.raises(InputError):
        normalise_utc(value)


def test_capture_time_odd_forms_and_zones():
    assert normalise_utc("2019-06-17 14:03:00+0800") == "2019-06-17T06:03:00Z"
    assert normalise_utc("2019-06-17T14:03:00-12:00") == "2019-06-18T02:03:00Z"
    assert normalise_utc("2019-06-17T14:03:00+14:00") == "2019-06-17T00:03:00Z"
    assert normalise_utc("2019-06-17") == "2019-06-17T00:00:00Z"
    assert normalise_utc("2019-06-17T14:03:00.999z") == "2019-06-17T14:03:00Z"
    for bad in ("", "yesterday", "2019-13-45", "2019-06-17T25:00"):
        with pytest.raises(InputError):
            normalise_utc(bad)


def test_control_characters_in_names_cannot_repaint_or_forge_output(case_dir, tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a\x1b[2J\x1b[31mred\rx.txt").write_text("escape sequences in the name")
    (src / "b\n  failed  forged.txt: cannot read.txt").write_text("a newline in the name")
    code, out, _ = cli(capsys, "--case", case_dir, "ingest", src)
    assert code == 0
    assert "\x1b" not in out and "\r" not in out and "\\x1b[2J" in out
    assert not any(line.startswith("  failed") for line in out.splitlines())
    code, out, _ = cli(capsys, "--case", case_dir, "items")
    assert code == 0 and "\x1b" not in out
    data = json.loads(cli(capsys, "--case", case_dir, "items", "--json")[1])
    assert any(i["filename"] == "a\x1b[2J\x1b[31mred\rx.txt" for i in data)  # JSON keeps it exact


def test_protected_names_and_notes_stay_out_of_default_output(case_dir, tmp_path, capsys):
    src = tmp_path / "witness_LiMing.txt"
    src.write_text("statement about the transplant centre")
    args = ["--case", case_dir, "ingest", src, "--sensitivity", "protected",
            "--notes", "NOTE-informant", "--collector", "COLLECTOR-X"]  # fmt: skip
    for extra in ([], ["--json"]):
        code, out, err = cli(capsys, *args, *extra)
        assert code == 0 and "LiMing" not in out + err and "[protected]" in out
    code, out, _ = cli(capsys, *args, "--json", "--show-names")
    assert code == 0 and "LiMing" in out
    for command in (["verify"], ["verify", "--json"], ["items"], ["items", "--json"],
                    ["log"], ["log", "--json"]):  # fmt: skip
        code, out, err = cli(capsys, "--case", case_dir, *command)
        assert code == 0, command
        for secret in ("LiMing", "NOTE-informant", "COLLECTOR-X"):
            assert secret not in out + err, (command, secret)


def test_reading_commands_write_nothing_into_the_case(case_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("evidence")
    cli(capsys, "--case", case_dir, "ingest", tmp_path / "a.txt")
    item = list_items(sqlite3.connect(case_dir / "case.sqlite"), originals_only=True)[0].id
    (case_dir / "tmp").rmdir()
    before = sorted(p.name for p in case_dir.iterdir())
    for command in (["verify"], ["items"], ["show", item], ["export-key"]):
        assert cli(capsys, "--case", case_dir, *command)[0] == 0
    assert sorted(p.name for p in case_dir.iterdir()) == before


def test_writer_on_a_read_only_case_is_refused_before_touching_it(case_dir, tmp_path, capsys, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK else real_access(p, mode))
    (tmp_path / "a.txt").write_text("evidence")
    code, _, err = cli(capsys, "--case", case_dir, "ingest", tmp_path / "a.txt")
    assert code == 2 and "read-only" in err
    assert cli(capsys, "--case", case_dir, "verify")[0] == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_verify_in_place_on_a_write_protected_case(case_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("evidence")
    cli(capsys, "--case", case_dir, "ingest", tmp_path / "a.txt")
    modes = {}
    for p in [case_dir, *case_dir.iterdir()]:
        modes[p] = p.stat().st_mode
        p.chmod(modes[p] & ~0o222)
    try:
        code, out, _ = cli(capsys, "--case", case_dir, "verify")
        assert code == 0 and "intact" in out
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def _fail_sync_on_call(monkeypatch, n):
    calls = {"n": 0}
    real = BlobStore.sync

    def sync(self):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self)

    monkeypatch.setattr(BlobStore, "sync", sync)


def test_disk_full_at_commit_stops_keeps_earlier_batches_and_rerun_completes(tmp_path, monkeypatch):
    src = make_corpus(tmp_path)
    case = new_case(tmp_path)
    _fail_sync_on_call(monkeypatch, 2)
    with pytest.raises(CaseError) as exc:
        ingest_paths(case, [src], Capture(), extractor=fake_extract, index=False, batch_files=5)
    assert "5 file(s)" in exc.value.message and exc.value.hint
    assert verify_case(case).ok
    assert len(list_items(case.db, originals_only=True)) == 5
    monkeypatch.undo()
    report = ingest_paths(case, [src], Capture(), extractor=fake_extract, index=False)
    assert not report.failures
    originals = list_items(case.db, originals_only=True)
    assert len(originals) == len({i.sha256 for i in originals}) == 14  # one file is a copy
    assert verify_case(case).ok
    case.close()


def test_disk_full_is_exit_2_without_traceback(case_dir, tmp_path, capsys, monkeypatch):
    src = make_corpus(tmp_path)
    _fail_sync_on_call(monkeypatch, 1)
    code, _, err = cli(capsys, "--case", case_dir, "ingest", src)
    assert code == 2 and "ingest stopped" in err and "run the same ingest again" in err
    monkeypatch.undo()
    assert cli(capsys, "--case", case_dir, "verify")[0] == 0


def test_blob_that_does_not_fit_is_a_failure_and_the_batch_goes_on(tmp_path, monkeypatch):
    src = make_corpus(tmp_path)
    real_put = BlobStore.put_file

    def put_file(self, source):
        if os.fsdecode(source).endswith("doc003.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_put(self, source)

    monkeypatch.setattr(BlobStore, "put_file", put_file)
    case = new_case(tmp_path)
    report = ingest_paths(case, [src], Capture(), extractor=fake_extract, index=False)
    assert [f.reason for f in report.failures] == [
        "cannot store in the case: No space left on device (free space there and ingest it again)"
    ]
    assert len(report.files) == 14 and verify_case(case).ok
    case.close()


def test_nothing_inside_the_case_is_ingested_however_it_is_named(tmp_path):
    case = new_case(tmp_path)
    root = case.root
    links = tmp_path / "links"
    links.mkdir()
    os.symlink(root / "keys" / "ed25519.key", links / "key")
    os.symlink(root / "keys", links / "keys")
    os.symlink(root, links / "case")
    os.link(root / "keys" / "ed25519.key", tmp_path / "hard-link-to-key")
    (links / "ok.txt").write_text("real evidence")
    paths = [root / "blobs", root / "case.sqlite", root / "keys", root / "keys" / "ed25519.key",
             root / "keys" / ".." / "tmp", tmp_path / "hard-link-to-key", links]  # fmt: skip
    report = ingest_paths(case, paths, Capture(), extractor=fake_extract, index=False)
    assert [os.path.basename(f.path) for f in report.files] == ["ok.txt"]
    assert len(report.failures) == 9
    assert all("case folder" in f.reason for f in report.failures)
    key = (root / "keys" / "ed25519.key").read_bytes()
    assert not any(BlobStore.path(case.blobs, i.sha256).read_bytes() == key for i in list_items(case.db))
    assert verify_case(case).ok
    case.close()


def test_one_path_as_a_string_is_one_path_not_its_characters(tmp_path, monkeypatch):
    make_corpus(tmp_path)
    case = new_case(tmp_path)
    monkeypatch.chdir(tmp_path)  # relative, so the characters "s", "r", "c" name nothing
    report = ingest_paths(case, "src", Capture(), extractor=fake_extract, index=False)
    assert len(report.files) == 15 and not report.failures
    case.close()


def test_capture_time_as_a_datetime(tmp_path):
    import datetime as dt

    tz = dt.timezone(dt.timedelta(hours=8))
    assert Capture(captured_at=dt.datetime(2019, 6, 17, 14, 3, tzinfo=tz)).captured_at == "2019-06-17T06:03:00Z"
    with pytest.raises(InputError):
        Capture(captured_at=20190617)


@pytest.mark.parametrize("under", [("sub",), ("x", "y")])
def test_init_where_no_folder_can_be_made_is_a_user_error(tmp_path, capsys, under):
    (tmp_path / "a-file").write_text("")
    code, _, err = cli(capsys, "--case", tmp_path.joinpath("a-file", *under), "init")
    assert code == 2 and "cannot create a case" in err


def _protected_corpus(tmp_path):
    from email.message import EmailMessage

    src = tmp_path / "p"
    src.mkdir()
    (src / "witness_LiMing.csv").write_text("name,organ\nZhang,kidney\n")
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Informant Wang <w@example.org>", "x@y.org", "About LiMing"
    mail.set_content("the message body")
    mail.add_attachment(b"attached words", maintype="text", subtype="plain", filename="LiMing_statement.txt")
    (src / "mail.eml").write_bytes(bytes(mail))
    return src


def test_ledger_leaves_never_hold_table_or_attachment_names(tmp_path, capsys):
    src = _protected_corpus(tmp_path)
    case = new_case(tmp_path)
    report = ingest_paths(case, [src], Capture(sensitivity="protected"), index=False)
    assert not report.failures
    relations = {i.relation for i in list_items(case.db) if i.relation}
    assert {"table:witness_LiMing", "attachment:LiMing_statement.txt"} <= relations  # rows keep them
    leaves = b"".join(bytes(e) for (e,) in case.db.execute("SELECT entry FROM ledger"))
    assert b"LiMing" not in leaves and b"Wang" not in leaves
    assert verify_case(case).ok
    case.close()
    for command in (["log", "--json"], ["items", "--json"], ["items"]):
        code, out, _ = cli(capsys, "--case", tmp_path / "case", *command)
        assert code == 0 and "LiMing" not in out and "Wang" not in out, command
    shown = json.loads(cli(capsys, "--case", tmp_path / "case", "items", "--json")[1])
    assert any(i["relation"] == "attachment:[protected]" for i in shown)


def test_derive_item_refuses_a_relation_without_a_kind_word(tmp_path):
    from tribunal.archive.records import derive_item

    (tmp_path / "a.txt").write_text("original")
    case = new_case(tmp_path)
    parent = ingest_paths(case, [tmp_path / "a.txt"], extractor=None, index=False).files[0].item_id
    with pytest.raises(InputError):
        derive_item(case, parent, b"x", relation="Zhang Wei's statement", kind="text", mime="text/plain")
    assert derive_item(case, parent, b"x", relation="redacted:Zhang Wei", kind="text", mime="text/plain")
    assert verify_case(case).ok
    case.close()


def test_show_text_of_a_binary_item_points_at_its_text(case_dir, tmp_path, capsys):
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)))
    (tmp_path / "a.txt").write_text("plain words")
    data = json.loads(cli(capsys, "--case", case_dir, "ingest", tmp_path / "blob.bin", tmp_path / "a.txt", "--json")[1])
    binary, text = (f["item_id"] for f in data["files"])
    code, _, err = cli(capsys, "--case", case_dir, "show", binary, "--text")
    assert code == 2 and "not text" in err
    code, out, _ = cli(capsys, "--case", case_dir, "show", text, "--text")
    assert code == 0 and "plain words" in out


def test_a_protected_attachment_that_fails_is_not_named_in_the_summary(case_dir, tmp_path, capsys):
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.org", "b@example.org", "files"
    mail.set_content("see attached")
    mail.add_attachment(b"%PDF-1.4\nbroken", maintype="application", subtype="pdf", filename="LiMing_scan.pdf")
    (tmp_path / "mail.eml").write_bytes(bytes(mail))
    code, out, _ = cli(capsys, "--case", case_dir, "ingest", tmp_path / "mail.eml", "--sensitivity", "protected", "--json")
    warnings = [w for f in json.loads(out)["files"] for w in f["warnings"]]
    assert code == 0 and any(w.startswith("attachment [protected]: ") for w in warnings)
    assert "LiMing" not in out


def test_a_damaged_database_is_named_as_damage_not_a_permission_problem(case_dir, capsys):
    (case_dir / "case.sqlite").write_bytes(b"not a database at all" * 100)
    for command in (["verify"], ["items"], ["ingest", case_dir / "keys"]):
        code, _, err = cli(capsys, "--case", case_dir, *command)
        assert code == 2 and "damaged" in err, command


def test_export_key_refuses_out_inside_the_case(case_dir, capsys):
    """A public key written over case.sqlite or a key file would destroy the case."""
    before = (case_dir / "case.sqlite").read_bytes()
    for target in (case_dir / "case.sqlite", case_dir / "keys" / "x.pem"):
        code, _, err = cli(capsys, "--case", case_dir, "export-key", "--out", target)
        assert code == 2 and "inside the case folder" in err
    assert (case_dir / "case.sqlite").read_bytes() == before
    assert cli(capsys, "--case", case_dir, "verify")[0] == 0
