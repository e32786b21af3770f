"""The ``tribunal`` command: a thin layer over the library.

Subcommands are imported only when used, so that ``tribunal verify`` does not pay for
loading numba or Splink, and a problem in one area cannot break the others.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from tribunal import __version__
from tribunal.errors import TribunalError

# name -> "module:attribute"; each module lives in tribunal.cli and owns one area.
COMMANDS: dict[str, str] = {
    "init": "tribunal.cli.archive_cmds:init",
    "ingest": "tribunal.cli.archive_cmds:ingest",
    "items": "tribunal.cli.archive_cmds:items",
    "show": "tribunal.cli.archive_cmds:show",
    "export-key": "tribunal.cli.archive_cmds:export_key",
    "verify": "tribunal.cli.archive_cmds:verify",
    "proof": "tribunal.cli.custody_cmds:proof",
    "verify-proof": "tribunal.cli.custody_cmds:verify_proof",
    "consistency": "tribunal.cli.custody_cmds:consistency",
    "log": "tribunal.cli.custody_cmds:log",
    "search": "tribunal.cli.search_cmds:search",
    "reindex": "tribunal.cli.search_cmds:reindex",
    "mse": "tribunal.cli.mse_cmds:mse",
    "forensics": "tribunal.cli.forensics_cmds:forensics",
    "link": "tribunal.cli.link_cmds:link",
    "demo": "tribunal.cli.demo_cmd:demo",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--case",
    "case_dir",
    envvar="TRIBUNAL_CASE",
    default="case",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The case folder (also TRIBUNAL_CASE).",
)
@click.version_option(__version__, prog_name="tribunal")
@click.pass_context
def cli(ctx: click.Context, case_dir: Path) -> None:
    """Tribunal: preserve evidence, link lists, estimate what cannot be counted.

    \b
    Start here:
      tribunal demo                  build an example case and run every analysis
      tribunal init                  create a case folder (./case or --case DIR)
      tribunal ingest FILES...       add evidence with its capture metadata
      tribunal verify                check every blob, ledger entry and signed head
      tribunal search 器官           full-text search, Chinese and English
      tribunal mse estimate T.csv    multiple systems estimation
      tribunal forensics run S.csv   tests for fabricated official statistics
      tribunal link run A.csv B.csv  link person lists across scripts

    Every command that prints results accepts --json. Run any command with --help.
    """
    ctx.ensure_object(dict)
    ctx.obj["case_dir"] = case_dir


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into a message and exit status 2."""
    try:
        cli.main(args=argv, prog_name="tribunal", standalone_mode=False)
    except TribunalError as exc:
        from tribunal.cli.output import plain  # messages quote file names and cells

        click.secho(f"error: {plain(exc.message, keep_lines=True)}", fg="red", err=True)
        if exc.hint:
            click.echo(f"hint: {plain(exc.hint, keep_lines=True)}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
