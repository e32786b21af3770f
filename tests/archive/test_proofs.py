"""Proof documents: valid ones verify with nothing but the document, tampered ones never do;
and the proof commands end to end on a real case."""

from __future__ import annotations

import base64
import copy
import json
import random
import sqlite3
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tribunal.archive import ledger, merkle, proofs, signing
from tribunal.errors import CaseError


def make_case(tmp_path: Path, n: int = 0, sign_every: int = 1) -> types.SimpleNamespace:
    """A stand-in for archive.case.Case (``root`` with keys, an open ``db``) with n entries."""
    signing.generate_keypair(tmp_path / "keys")
    db = sqlite3.connect(tmp_path / "case.sqlite", isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    ledger.ensure_schema(db)
    case = types.SimpleNamespace(root=tmp_path, db=db)
    for i in range(n):
        ledger.append(db, "ingest", {"item": f"E-{i:04d}", "sha256": f"{i:064x}"})
        if (i + 1) % sign_every == 0 or i == n - 1:
            ledger.sign_head(case)
    return case


@pytest.fixture
def case(tmp_path: Path):
    return make_case(tmp_path, n=13, sign_every=3)


def test_every_entry_proves_in_every_later_head(case) -> None:
    heads = ledger.heads(case.db)
    for seq in range(13):
        doc = proofs.inclusion_proof_document(case, seq)
        assert proofs.verify_proof_document(doc) == []
        assert doc["tree_size"] == 13 and doc["leaf_index"] == seq
        # a proof survives a JSON round trip and needs nothing else
        assert proofs.verify_proof_document(json.loads(json.dumps(doc))) == []
        for head in heads:
            if head.tree_size > seq:
                old = proofs.inclusion_proof_document(case, seq, head=head)
                assert proofs.verify_proof_document(old) == []


def test_trusted_key(case) -> None:
    doc = proofs.inclusion_proof_document(case, 5)
    kid = doc["public_key"]["key_id"]
    assert proofs.verify_proof_document(doc, trusted_key_id=kid.upper()) == []
    errors = proofs.verify_proof_document(doc, trusted_key_id="00" * 32)
    assert errors and "not the trusted key" in errors[0]


def _mutations(doc: dict) -> dict[str, dict]:
    """Named, targeted tamperings of an inclusion proof."""
    out: dict[str, dict] = {}

    def variant(name: str, fn) -> None:
        d = copy.deepcopy(doc)
        fn(d)
        out[name] = d

    def flip_entry(d):
        raw = bytearray(base64.b64decode(d["entry_base64"]))
        raw[len(raw) // 2] ^= 0x01
        d["entry_base64"] = base64.b64encode(bytes(raw)).decode()

    def swap_key(d):
        other = Ed25519PrivateKey.generate().public_key()
        d["public_key"]["raw"] = signing.public_key_hex(other)
        d["public_key"]["key_id"] = signing.key_id(other)

    def swap_key_and_head_key(d):
        swap_key(d)
        d["head"]["key_id"] = d["public_key"]["key_id"]

    variant("entry bytes", flip_entry)
    variant("readable entry", lambda d: d["entry"]["fields"].update(item="E-9999"))
    variant("leaf index", lambda d: d.update(leaf_index=d["leaf_index"] + 1))
    variant("tree size", lambda d: d.update(tree_size=d["tree_size"] - 1))
    variant("head tree size", lambda d: d["head"].update(tree_size=d["head"]["tree_size"] + 1))
    variant("audit path dropped", lambda d: d["audit_path"].pop())
    variant("audit path added", lambda d: d["audit_path"].append("00" * 32))
    variant("audit path reversed", lambda d: d["audit_path"].reverse())
    variant("root", lambda d: d["head"].update(root_hash="11" * 32))
    variant("timestamp", lambda d: d["head"].update(timestamp="2020-01-01T00:00:00.000000Z"))
    variant("prev", lambda d: d["head"].update(prev_hash="22" * 32))
    variant("signature", lambda d: d["head"].update(signature="33" * 64))
    variant("key id", lambda d: d["public_key"].update(key_id="44" * 32))
    variant("other key", swap_key)
    variant("other key everywhere", swap_key_and_head_key)
    variant("leaf hash", lambda d: d.update(leaf_hash="55" * 32))
    variant("format", lambda d: d.update(format="something-else"))
    variant("version", lambda d: d.update(version=2))
    variant("no path", lambda d: d.pop("audit_path"))
    variant("no entry", lambda d: d.pop("entry_base64"))
    variant("bad base64", lambda d: d.update(entry_base64="%%%"))
    variant("bad hex", lambda d: d["audit_path"].__setitem__(0, "zz" * 32))
    variant("no head", lambda d: d.pop("head"))
    variant("string size", lambda d: d.update(tree_size="13"))
    variant("line break in head", lambda d: d["head"].update(key_id="ab\ntree_size=1"))
    variant("negative size", lambda d: d["head"].update(tree_size=-1))
    variant("head not a dict", lambda d: d.update(head=[1]))
    variant("public key not a dict", lambda d: d.update(public_key="x"))
    return out


def test_targeted_tampering_rejected(case) -> None:
    doc = proofs.inclusion_proof_document(case, 6)
    for name, bad in _mutations(doc).items():
        errors = proofs.verify_proof_document(bad)
        assert errors, f"tampering with {name} was not detected"
        assert all(isinstance(e, str) and e for e in errors)
    assert proofs.verify_proof_document([1, 2]) != []
    assert proofs.verify_proof_document(None) != []


def test_random_hex_flips_rejected(case) -> None:
    """Change one hex digit anywhere in the hashes, path, key or signature: always rejected."""
    rng = random.Random(6962)
    base = proofs.inclusion_proof_document(case, 9)
    slots = [("head", k) for k in ("root_hash", "prev_hash", "signature")]
    slots += [("public_key", "raw"), ("public_key", "key_id")]
    for trial in range(300):
        doc = copy.deepcopy(base)
        if trial % 3 == 0:
            i = rng.randrange(len(doc["audit_path"]))
            holder, key = doc["audit_path"], i
        else:
            section, key = rng.choice(slots)
            holder = doc[section]
        text = holder[key]
        j = rng.randrange(len(text))
        new = rng.choice([c for c in "0123456789abcdef" if c != text[j]])
        holder[key] = text[:j] + new + text[j + 1 :]
        assert proofs.verify_proof_document(doc), f"trial {trial}: {key} flip accepted"


def test_consistency_documents(case) -> None:
    heads = ledger.heads(case.db)
    sizes = [h.tree_size for h in heads]
    assert sizes == [3, 6, 9, 12, 13]
    for i, old in enumerate(sizes):
        for new in sizes[i:]:
            doc = proofs.consistency_proof_document(case, old, new)
            assert proofs.verify_proof_document(doc) == [], (old, new)
    doc = proofs.consistency_proof_document(case, 6)
    assert doc["new_head"]["tree_size"] == 13
    bad = copy.deepcopy(doc)
    bad["proof"][0] = "00" * 32
    assert proofs.verify_proof_document(bad)
    bad = copy.deepcopy(doc)
    bad["old_head"], bad["new_head"] = bad["new_head"], bad["old_head"]
    assert proofs.verify_proof_document(bad)
    bad = copy.deepcopy(doc)
    bad["old_head"]["root_hash"] = bad["new_head"]["root_hash"]
    assert proofs.verify_proof_document(bad)
    with pytest.raises(CaseError):
        proofs.consistency_proof_document(case, 4)
    with pytest.raises(CaseError):
        proofs.consistency_proof_document(case, 13, 6)


def test_consistency_proof_catches_a_rewritten_history(tmp_path: Path) -> None:
    """A second ledger sharing the key but with a changed entry cannot extend the first's head."""
    a = make_case(tmp_path / "a", n=6, sign_every=3)
    old = proofs.inclusion_proof_document(a, 1)["head"]
    e = ledger.entry_at(a.db, 1)
    forged = e.entry.replace(b"E-0001", b"E-7777")
    a.db.execute("UPDATE ledger SET entry = ?, leaf_hash = ? WHERE seq = 1", (forged, merkle.leaf_hash(forged)))
    a.db.execute("DELETE FROM heads")
    a.db.execute("DELETE FROM ledger_frontier")
    ledger.sign_head(a)  # the key holder re-signs the rewritten ledger
    doc = proofs.consistency_proof_document(a, 6)
    assert proofs.verify_proof_document(doc) == []  # valid on its own: same key, new history
    # ...but not beside a head an outsider kept from before: a split view
    errors = proofs.verify_proof_document(doc, known_heads=[old])
    assert errors and "split view" in errors[0]
    new_proof = proofs.inclusion_proof_document(a, 1)
    assert proofs.verify_proof_document(new_proof, known_heads=[old])
    doc["old_head"] = old  # and the old head cannot be spliced into the new proof
    assert proofs.verify_proof_document(doc)


def test_no_proof_from_a_damaged_or_unsigned_ledger(case) -> None:
    ledger.append(case.db, "annotate", {"item": "E-0001"})
    with pytest.raises(CaseError):
        proofs.inclusion_proof_document(case, 13)
    with pytest.raises(CaseError):
        proofs.inclusion_proof_document(case, 99)
    case.db.execute("UPDATE ledger SET leaf_hash = ?, entry = ? WHERE seq = 2", (b"x" * 32, b"{}"))
    with pytest.raises(CaseError):
        proofs.inclusion_proof_document(case, 0)


# --- the commands, on a real case ---------------------------------------------------------


def _run(args: list[str]):
    from tribunal.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.fixture
def real_case(tmp_path: Path) -> Path:
    pytest.importorskip("tribunal.archive.case")
    d = tmp_path / "case"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("器官移植 hospital record\n", encoding="utf-8")
    (docs / "b.txt").write_text("second document\n", encoding="utf-8")
    assert _run(["--case", str(d), "init"]).exit_code == 0
    result = _run(["--case", str(d), "ingest", str(docs), "--json"])
    assert result.exit_code in (0, 1), result.output
    return d


def _item_ids(case_dir: Path) -> list[str]:
    from tribunal.archive.case import open_case

    with open_case(case_dir) as c:
        return [e.fields["item"] for e in ledger.entries_for(c.db, action="ingest")]


def test_cli_proof_round_trip(real_case: Path, tmp_path: Path) -> None:
    item = _item_ids(real_case)[0]
    out = tmp_path / "proof.json"
    r = _run(["--case", str(real_case), "proof", item, "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["path"] == str(out)
    r = _run(["verify-proof", str(out), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["valid"] is True
    # pinned to the case's exported key
    r = _run(["verify-proof", str(out), "--key", str(real_case / "keys" / signing.PUBLIC_KEY_FILE)])
    assert r.exit_code == 0, r.output
    # without --out the document goes to stdout
    r = _run(["--case", str(real_case), "proof", item])
    latest = json.loads(r.output)
    assert latest["format"] == proofs.INCLUSION_FORMAT
    # against an older signed head
    log = json.loads(_run(["--case", str(real_case), "log", "--heads", "--json"]).output)
    sizes = [h["tree_size"] for h in log["heads"] if h["tree_size"] > latest["leaf_index"]]
    r = _run(["--case", str(real_case), "proof", item, "--size", str(sizes[0])])
    older = json.loads(r.output)
    assert older["tree_size"] == sizes[0] and proofs.verify_proof_document(older) == []
    # tampered: exit 1 with reasons
    doc = json.loads(out.read_text())
    doc["head"]["timestamp"] = "2019-12-17T00:00:00.000000Z"
    out.write_text(json.dumps(doc))
    r = _run(["verify-proof", str(out), "--json"])
    assert r.exit_code == 1
    assert json.loads(r.output)["errors"]
    out.write_text("{not json")
    assert _run(["verify-proof", str(out)]).exit_code == 1


def test_cli_verify_against_earlier_proof(real_case: Path, tmp_path: Path) -> None:
    item = _item_ids(real_case)[0]
    first, second = tmp_path / "p1.json", tmp_path / "p2.json"
    assert _run(["--case", str(real_case), "proof", item, "--out", str(first)]).exit_code == 0
    assert _run(["--case", str(real_case), "proof", item, "--out", str(second)]).exit_code == 0
    r = _run(["verify-proof", str(second), "--against", str(first), "--json"])
    assert r.exit_code == 0, r.output
    # an "earlier proof" that is itself invalid is refused as a reference
    bad = json.loads(first.read_text())
    bad["head"]["root_hash"] = "00" * 32
    first.write_text(json.dumps(bad))
    from tribunal.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["verify-proof", str(second), "--against", str(first)])
    assert exc.value.code == 2


def test_cli_consistency_and_log(real_case: Path, tmp_path: Path) -> None:
    r = _run(["--case", str(real_case), "log", "--json"])
    assert r.exit_code == 0
    log = json.loads(r.output)
    assert log["tree_size"] >= 2 and log["heads"]
    sizes = [h["tree_size"] for h in log["heads"]]
    out = tmp_path / "c.json"
    r = _run(["--case", str(real_case), "consistency", str(sizes[0]), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert _run(["verify-proof", str(out)]).exit_code == 0
    r = _run(["--case", str(real_case), "log"])
    assert r.exit_code == 0 and "signed tree heads" in r.output
    item = _item_ids(real_case)[0]
    r = _run(["--case", str(real_case), "log", "--item", item, "--json"])
    assert {e["fields"]["item"] for e in json.loads(r.output)["entries"]} == {item}


def test_cli_user_errors(real_case: Path) -> None:
    from tribunal.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--case", str(real_case), "proof", "NO-SUCH-ITEM"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--case", str(real_case), "consistency", "12345"])
    assert exc.value.code == 2


# --- the stranger's checker in docs/custody.md -------------------------------------------


def _doc_checker(repo_root: Path) -> str:
    text = (repo_root / "docs" / "custody.md").read_text(encoding="utf-8")
    section = text.split("### A complete checker", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_doc_checker_is_short_and_agrees_with_the_tool(case, tmp_path: Path, repo_root: Path) -> None:
    import subprocess
    import sys

    code = _doc_checker(repo_root)
    assert len([line for line in code.splitlines() if line.strip()]) <= 32
    script = tmp_path / "checker.py"
    script.write_text(code, encoding="utf-8")
    # run as the stranger would: a separate program on a file the tool wrote
    doc = proofs.inclusion_proof_document(case, 6)
    good, bad_path = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(doc), encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(good)], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("valid"), run.stdout + run.stderr
    assert doc["public_key"]["key_id"] in run.stdout
    tampered = copy.deepcopy(doc)
    tampered["head"]["timestamp"] = "2019-12-17T00:00:00.000000Z"
    bad_path.write_text(json.dumps(tampered), encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(bad_path)], capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout.startswith("INVALID")

    # then its check() in-process on every entry and every tampering the tool rejects
    namespace: dict = {}
    exec(code.split("doc = json.load", 1)[0], namespace)
    check = namespace["check"]
    for seq in range(13):
        doc = proofs.inclusion_proof_document(case, seq)
        assert check(doc) is True
        for name, bad in _mutations(doc).items():
            # fields the checker recomputes instead of reading
            if name in ("readable entry", "leaf hash", "key id"):
                continue
            try:
                accepted = check(bad)
            except (KeyError, ValueError, TypeError):
                accepted = False  # a crash on a malformed document is a rejection
            assert accepted is False, f"doc checker accepted tampering with {name} (entry {seq})"


def test_doc_consistency_checker(case, tmp_path: Path, repo_root: Path) -> None:
    import subprocess
    import sys

    text = (repo_root / "docs" / "custody.md").read_text(encoding="utf-8")
    code = text.split("### Checking a consistency proof", 1)[1].split("```python\n", 1)[1]
    code = code.split("```", 1)[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 34
    script = tmp_path / "check_consistency.py"
    script.write_text(code, encoding="utf-8")
    doc = proofs.consistency_proof_document(case, 3)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("valid"), run.stdout + run.stderr

    namespace: dict = {}
    exec(code.split("ok = check(", 1)[0], namespace)
    check = namespace["check"]
    sizes = [h.tree_size for h in ledger.heads(case.db)]
    rng = random.Random(4)
    for i, old in enumerate(sizes):
        for new in sizes[i:]:
            doc = proofs.consistency_proof_document(case, old, new)
            assert check(doc) is True, (old, new)
            for _ in range(6):
                bad = copy.deepcopy(doc)
                choice = rng.randrange(4)
                if choice == 0 and bad["proof"]:
                    j = rng.randrange(len(bad["proof"]))
                    bad["proof"][j] = ("0" if bad["proof"][j][0] != "0" else "1") + bad["proof"][j][1:]
                elif choice == 1:
                    bad["old_head"]["root_hash"] = "ab" * 32
                elif choice == 2:
                    bad["new_head"]["timestamp"] = "2019-01-01T00:00:00.000000Z"
                else:
                    bad["old_head"], bad["new_head"] = bad["new_head"], bad["old_head"]
                    if old == new:
                        continue
                assert check(bad) is False, (old, new, choice)


def test_malformed_documents_never_crash_the_verifier(case) -> None:
    """Seeded structural fuzzing: any JSON shape yields a list of reasons, not an exception."""
    rng = random.Random(1217)
    docs = [proofs.inclusion_proof_document(case, 4), proofs.consistency_proof_document(case, 3)]
    junk = [None, True, -1, 0, 2**70, 1.5, "", "zz", "00" * 32, [], ["00" * 32], {}, {"a": 1}]

    # informational fields, ignored or recomputed by the verifier, are left alone
    info = {"algorithms", "entry", "leaf_hash", "id", "format"}

    def containers(node, acc, top=True):
        if isinstance(node, dict):
            acc.append(node)
            for k, v in node.items():
                if k not in info:
                    containers(v, acc, False)
        elif isinstance(node, list):
            acc.append(node)
            for v in node:
                containers(v, acc, False)
        return acc

    rejected = 0
    for trial in range(600):
        doc = copy.deepcopy(docs[trial % 2])
        for _ in range(rng.randrange(1, 4)):
            target = rng.choice(containers(doc, []))
            keys = [k for k in target if k not in info] if isinstance(target, dict) else []
            if keys:
                key = rng.choice(keys)
                if rng.random() < 0.2:
                    del target[key]
                else:
                    target[key] = copy.deepcopy(rng.choice(junk))
            elif isinstance(target, list) and target:
                target[rng.randrange(len(target))] = copy.deepcopy(rng.choice(junk))
        errors = proofs.verify_proof_document(doc)
        assert isinstance(errors, list) and all(isinstance(e, str) for e in errors)
        assert errors or doc == docs[trial % 2], f"trial {trial}: mutated document accepted"
        rejected += bool(errors)
    assert rejected >= 550
