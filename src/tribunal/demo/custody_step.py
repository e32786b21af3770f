"""Demo step: proofs a stranger can check without the case.

After the archive step has built the example case, this writes an inclusion proof of the
first ingested item and a consistency proof between the first and the latest signed tree
head, checks both exactly as ``tribunal verify-proof`` would, and shows that a proof whose
entry was altered by one hex digit is rejected.
"""

from __future__ import annotations

import base64
import copy
import json

from tribunal.demo import DemoContext


def run(ctx: DemoContext) -> None:
    from tribunal.archive import ledger, proofs
    from tribunal.archive.case import DB_NAME, open_case

    con = ctx.console
    con.rule("[bold]Custody: proofs anyone can check")
    if not (ctx.case_dir / DB_NAME).exists():
        con.print("no example case (the archive step did not run); skipping")
        return
    out = ctx.out_dir / "custody"
    out.mkdir(parents=True, exist_ok=True)
    with open_case(ctx.case_dir) as case:
        ingests = ledger.entries_for(case.db, action="ingest")
        if not ingests:
            con.print("the example case has no ingest entries; skipping")
            return
        entry = ingests[0]
        item = entry.fields.get("item")
        doc = proofs.inclusion_proof_document(case, entry.seq)
        heads = ledger.heads(case.db)
        first = next((h for h in heads if h.tree_size > 0), heads[0])
        cons = proofs.consistency_proof_document(case, first.tree_size)

    proof_path = out / f"proof-{item}.json"
    proof_path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    cons_path = out / "consistency.json"
    cons_path.write_text(json.dumps(cons, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    errors = proofs.verify_proof_document(doc)
    cons_errors = proofs.verify_proof_document(cons)
    tampered_errors = proofs.verify_proof_document(_alter_one_digit(doc))
    ok = "[green]valid[/green]"
    con.print(
        f"Inclusion proof of item {item} (ledger entry {entry.seq} of {doc['tree_size']}, "
        f"{len(doc['audit_path'])} hashes): {errors or ok}"
    )
    con.print(
        f"Consistency proof, signed tree of {cons['old_head']['tree_size']} entries -> "
        f"{cons['new_head']['tree_size']} ({len(cons['proof'])} hashes): "
        f"{cons_errors or ok}"
    )
    con.print(
        "The same proof with one hex digit of the item's SHA-256 changed: "
        + ("[red]accepted (this is a bug)[/red]" if not tampered_errors else "rejected: ")
        + "; ".join(tampered_errors[:2]),
        highlight=False,
    )
    con.print(f"Case key id (publish it so others can pin proofs): {doc['public_key']['key_id']}")
    con.print("Check them anywhere, without the case (or with the 30-line checker in docs/custody.md):")
    con.print(f"  tribunal verify-proof {proof_path}", markup=False)
    con.print(f"  tribunal verify-proof {cons_path}", markup=False)
    ctx.outputs["custody inclusion proof"] = proof_path
    ctx.outputs["custody consistency proof"] = cons_path
    ctx.summary["custody_proof_valid"] = not errors and not cons_errors
    ctx.summary["custody_tamper_rejected"] = bool(tampered_errors)


def _alter_one_digit(doc: dict) -> dict:
    """The proof with one hex digit of the entry's recorded SHA-256 changed."""
    bad = copy.deepcopy(doc)
    text = base64.b64decode(bad["entry_base64"]).decode("utf-8")
    marker = '"sha256":"'
    i = text.find(marker)
    i = i + len(marker) if i >= 0 else len(text) // 2
    swapped = "1" if text[i] != "1" else "2"
    bad["entry_base64"] = base64.b64encode((text[:i] + swapped + text[i + 1 :]).encode()).decode()
    return bad
