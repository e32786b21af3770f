"""The custody commands as a hostile user drives them: every mistake is a message and exit 2
(or, for a proof that does not check, exit 1 with reasons), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tribunal.archive import ledger, proofs

HUGE = "9" * 25  # past SQLite's 64-bit integers


def _main(args: list[str]) -> int:
    """Run the command as the console script does; return its exit status."""
    from tribunal.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def real_case(tmp_path: Path) -> tuple[Path, str]:
    pytest.importorskip("tribunal.archive.case")
    from tribunal.archive.case import open_case
    from tribunal.cli import cli

    d = tmp_path / "case"
    (tmp_path / "a.txt").write_text("hospital record\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["--case", str(d), "init"]).exit_code == 0
    runner.invoke(cli, ["--case", str(d), "ingest", str(tmp_path / "a.txt")])
    with open_case(d) as c:
        item = ledger.entries_for(c.db, action="ingest")[0].fields["item"]
    return d, item


@pytest.mark.parametrize(
    "args",
    [
        ["proof", "{item}", "--seq", HUGE],
        ["proof", "{item}", "--size", HUGE],
        ["proof", "{item}", "--seq", "-1"],
        ["proof", "{item}", "--seq", "99"],
        ["consistency", HUGE],
        ["consistency", "0", HUGE],
        ["log", "--limit", HUGE],
        ["log", "--limit", "-1"],
        ["proof", "{item}", "--out", "{tmp}/no/such/folder/p.json"],
    ],
)
def test_bad_numbers_and_paths_exit_2_without_traceback(real_case, tmp_path, capsys, args) -> None:
    case, item = real_case
    args = [a.format(item=item, tmp=tmp_path) for a in args]
    assert _main(["--case", str(case), *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_missing_entry_names_the_ledger_size(real_case, capsys) -> None:
    case, item = real_case
    assert _main(["--case", str(case), "proof", item, "--seq", "99"]) == 2
    err = capsys.readouterr().err
    assert "no ledger entry 99" in err and "entries" in err


def test_unwritable_out_leaves_no_temporary_file(real_case, tmp_path) -> None:
    case, item = real_case
    target = tmp_path / "ro"
    target.mkdir()
    out = target / "missing" / "p.json"
    assert _main(["--case", str(case), "proof", item, "--out", str(out)]) == 2
    assert list(target.iterdir()) == []


@pytest.mark.parametrize(
    "text",
    ["", "{", "[" * 100_000 + "]" * 100_000, '{"format": 1e999}', "null", "[]", '"x"'],
)
def test_verify_proof_on_hostile_files_exits_1(tmp_path, capsys, text) -> None:
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    assert _main(["verify-proof", str(path), "--json"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    result = json.loads(out.out)
    assert result["valid"] is False and result["errors"]


def test_verify_proof_on_a_directory_or_missing_file_exits_2(tmp_path) -> None:
    assert _main(["verify-proof", str(tmp_path)]) == 2
    assert _main(["verify-proof", str(tmp_path / "none.json")]) == 2


def test_malformed_head_messages_name_the_problem(real_case) -> None:
    from tribunal.archive.case import open_case

    case, _ = real_case
    with open_case(case) as c:
        doc = proofs.inclusion_proof_document(c, 0)
    bad = dict(doc, head=None)
    assert proofs.verify_proof_document(bad) == ["head must be a JSON object (a signed tree head)"]
    bad = json.loads(json.dumps(doc))
    bad["head"]["signature"] = 12
    assert proofs.verify_proof_document(bad) == ["head is malformed: signature must be a hex string"]
    bad = json.loads(json.dumps(doc))
    del bad["head"]["root_hash"]
    assert proofs.verify_proof_document(bad) == ["head lacks the field 'root_hash'"]


def test_log_for_an_unknown_item_says_so(real_case) -> None:
    from tribunal.cli import cli

    case, _ = real_case
    r = CliRunner().invoke(cli, ["--case", str(case), "log", "--item", "NOPE"])
    assert r.exit_code == 0 and "no ledger entry names item 'NOPE'" in r.output


@pytest.mark.parametrize("name", ["proof", "verify-proof", "consistency", "log"])
def test_help_teaches_with_examples(name) -> None:
    from tribunal.cli import cli

    r = CliRunner().invoke(cli, [name, "--help"])
    assert r.exit_code == 0 and "Examples:" in r.output and f"tribunal {name}" in r.output


@pytest.mark.parametrize("damage", ["missing", "garbage"])
@pytest.mark.parametrize("key_file", ["ed25519.pub", "ed25519.key"])
def test_damaged_case_keys_are_a_case_error(real_case, capsys, damage, key_file) -> None:
    from tribunal.archive import signing
    from tribunal.errors import CaseError

    case, item = real_case
    path = case / "keys" / key_file
    if damage == "missing":
        path.unlink()
    else:
        path.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n", encoding="utf-8")
    load = signing.load_public_key if key_file.endswith(".pub") else signing.load_private_key
    with pytest.raises(CaseError) as exc:
        load(case / "keys")
    assert "backup" in (exc.value.hint or "") and "init" in (exc.value.hint or "")
    if key_file.endswith(".pub"):
        assert _main(["--case", str(case), "proof", item]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and str(path) in err


def test_verify_proof_with_a_pem_that_is_not_a_key(tmp_path, capsys) -> None:
    pem = tmp_path / "k.pem"
    pem.write_text("not a key\n", encoding="utf-8")
    proof = tmp_path / "p.json"
    proof.write_text("{}", encoding="utf-8")
    assert _main(["verify-proof", str(proof), "--key", str(pem)]) == 2
    assert "not a PEM public key" in capsys.readouterr().err


@pytest.mark.parametrize("key_id", ["zz", "", "a" * 10_000, "g" * 64])
def test_a_malformed_key_id_is_a_user_error_not_an_invalid_proof(real_case, tmp_path, key_id) -> None:
    from tribunal.archive.case import open_case

    case, _ = real_case
    with open_case(case) as c:
        doc = proofs.inclusion_proof_document(c, 0)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert _main(["verify-proof", str(path), "--key-id", key_id]) == 2
    # the right id, in capitals and with stray spaces, is accepted
    kid = f" {doc['public_key']['key_id'].upper()} "
    assert _main(["verify-proof", str(path), "--key-id", kid]) == 0


@pytest.mark.parametrize("target", ["case.sqlite", "keys/ed25519.pub", "new.json"])
def test_out_inside_the_case_is_refused_and_the_case_survives(real_case, capsys, target) -> None:
    case, item = real_case
    public_key = (case / "keys" / "ed25519.pub").read_bytes()
    out = case / target
    assert _main(["--case", str(case), "proof", item, "--out", str(out)]) == 2
    assert _main(["--case", str(case), "consistency", "0", "--out", str(out)]) == 2
    assert "inside the case folder" in capsys.readouterr().err
    assert not (case / "new.json").exists()
    assert (case / "keys" / "ed25519.pub").read_bytes() == public_key
    assert _main(["--case", str(case), "verify"]) == 0
