"""Run the real `tribunal` entry point inside a test (shared by the mse CLI tests)."""

from __future__ import annotations

from tribunal.cli import main


def run(args: list[str], capsys) -> tuple[int, str, str]:
    """Return (exit status, stdout, stderr); a user error must never print a traceback."""
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err
