"""``tribunal forensics``: tests for fabricated official statistics, calibrated on GODT."""

from __future__ import annotations

from pathlib import Path

import click

from tribunal.cli.output import console, emit, json_option


@click.group()
def forensics() -> None:
    """Forensic tests of official series, calibrated on comparator countries.

    \b
    tribunal forensics run SERIES.csv            run every test on every series
    tribunal forensics run S.csv --json          machine-readable findings
    tribunal forensics tests                     list the tests and what they need
    tribunal forensics consistency S.csv --compare A B   two publishers of one quantity
    tribunal forensics godt Thailand --out th.csv        a comparator country as a series file

    Series files are CSV in long format: series, period (2015 or 2015-03), value, and
    optionally group, unit, source (docs/forensics.md).
    """


@forensics.command("run")
@click.argument("series_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reference", type=click.Choice(["godt"]), default="godt", show_default=True,
              help="Comparator set: the shipped WHO-ONT GODT exports (China excluded).")
@click.option("--exclude-country", "exclude", multiple=True, metavar="COUNTRY",
              help="Leave this GODT country out of the reference (when testing its own series).")
@click.option("--level", type=float, default=0.01, show_default=True,
              help="Alarm level for each test's calibrated p-value and the combined flag.")
@click.option("--n-sim", type=click.IntRange(99, 100_000), default=999, show_default=True,
              help="Simulated genuine series per series (shared by its tests).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed for the simulations (a whole number >= 0).")
@click.option("--plots", "plots_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Write a PNG of the reference distribution per flagged finding.")
@click.option("--all-plots", is_flag=True, help="With --plots: plot every finding, not only flags.")
@json_option
def run(series_csv: Path, reference: str, exclude: tuple[str, ...], level: float, n_sim: int,
        seed: int, plots_dir: Path | None, all_plots: bool, as_json: bool) -> None:
    """Run the forensic battery on SERIES_CSV (long format: series, period, value,
    optional group, unit, source).

    Each finding gives a calibrated p-value (rank among comparator windows and simulated
    genuine series), a flag at --level, and how many comparator series the same test
    flags. Series sharing a group are also tested for constant ratios.

    \b
    Examples:
      tribunal forensics run china.csv
      tribunal forensics run china.csv --json --plots plots/
      tribunal forensics godt Thailand --out th.csv
      tribunal forensics run th.csv --exclude-country Thailand
    """
    from tribunal.forensics.battery import run_battery
    from tribunal.forensics.reference import ReferenceSet
    from tribunal.forensics.series import load_series_csv
    from tribunal.progress import progress_bar

    series = load_series_csv(series_csv)
    ref = ReferenceSet.godt(exclude=exclude)
    with progress_bar("forensic tests", enabled=False if as_json else None) as cb:
        result = run_battery(series, ref, level=level, n_sim=n_sim, seed=seed, on_progress=cb)
    plots: list[str] = []
    if plots_dir is not None:
        from tribunal.errors import InputError
        from tribunal.forensics.plots import plot_finding

        try:
            for f in result.findings:
                if f.flag or all_plots:
                    path = plot_finding(f, plots_dir)
                    if path:
                        plots.append(str(path))
        except OSError as exc:
            raise InputError(f"cannot write plots to {plots_dir}: {exc.strerror or exc}",
                             hint="choose a folder you can write to") from None
    from tribunal.hashing import sha256_file

    payload = result.to_dict() | {"input": str(series_csv),
                                  "input_sha256": sha256_file(series_csv), "plots": plots}
    emit(payload, as_json, lambda _: _human(result, plots))


def _human(result, plots: list[str]) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    table = Table(title=f"Forensic findings (level {result.level:g})", show_lines=False)
    for col in ("series", "test", "p", "flag", "comparators flagged"):
        table.add_column(col)
    for f in result.findings:
        if f.status != "ok":
            continue
        rate = (f"{f.n_reference_flagged}/{f.n_reference}" if f.n_reference else "–")
        table.add_row(f.series, f.test, f"{f.p_value:.3g}",
                      "[red]FLAG[/red]" if f.flag else "", rate)
    console.print(table)
    for f in result.findings:
        if f.flag:
            console.print(f"• {f.explanation}")
    skipped = [f for f in result.findings if f.status != "ok"]
    if skipped:
        console.print(f"[dim]{len(skipped)} test(s) could not judge; --json lists the reasons.[/dim]")
    for s in result.summaries:
        mark = "[red]FLAG[/red]" if s.flag else "ok"
        console.print(f"{mark} {s.series}: {s.explanation}")
    for p in plots:
        console.print(f"plot: {p}")
    console.print(f"[dim]{result.seconds:.1f} s; reference {result.reference['name']}: "
                  f"{result.reference['countries']} countries, {result.reference['series']} series[/dim]")


@forensics.command("tests")
@json_option
def tests(as_json: bool) -> None:
    """List the tests, the points each needs and how it is calibrated."""
    from tribunal.forensics.battery import SINGLE_TESTS

    rows = [{"test": t.name, "measures": t.finding, "min_points": t.min_points,
             "comparators": t.use_real, "simulated": t.use_sim} for t in SINGLE_TESTS]
    rows.append({"test": "ratio_constancy", "measures": "keeps a steadier ratio (pairs in a group)",
                 "min_points": 4, "comparators": True, "simulated": False})

    def human(rs: list[dict]) -> None:
        from rich.table import Table

        table = Table(title="Forensic tests")
        for col in ("test", "points", "calibrated on", "a flag means the series ..."):
            table.add_column(col)
        for r in rs:
            ref = " + ".join(k for k in ("comparators", "simulated") if r[k]) or "analytic"
            table.add_row(r["test"], f">= {r['min_points']}", ref, r["measures"])
        console.print(table)

    emit(rows, as_json, human)


@forensics.command("consistency")
@click.argument("series_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--total", help="Series that should equal the sum of --parts.")
@click.option("--parts", help="Comma-separated series that should add up to --total.")
@click.option("--compare", nargs=2, metavar="A B", default=None,
              help="Two publishers' series of one quantity.")
@click.option("--cumulative", help="A cumulative counter series (needs --yearly).")
@click.option("--yearly", help="The yearly series the counter should sum.")
@click.option("--level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.01,
              show_default=True, help="Alarm level for the calibrated parts-vs-total p-value.")
@json_option
def consistency(series_csv: Path, total: str | None, parts: str | None,
                compare: tuple[str, str] | None, cumulative: str | None, yearly: str | None,
                level: float, as_json: bool) -> None:
    """Check series against each other: parts against a total (provinces against the
    nation), two publishers of one quantity, a cumulative counter against yearly figures.

    \b
    Examples:
    tribunal forensics consistency S.csv --total all_organs --parts kidney,liver,heart,lung
    tribunal forensics consistency S.csv --compare cotrs_donors redcross_donors
    tribunal forensics consistency S.csv --cumulative donors_to_date --yearly donors
    """
    from tribunal.errors import InputError
    from tribunal.forensics.series import load_series_csv
    from tribunal.forensics.tests_consistency import (
        series_cumulative_vs_yearly,
        series_parts_vs_total,
        series_two_publishers,
    )

    by_name = {s.name: s for s in load_series_csv(series_csv)}

    def get(name: str):  # type: ignore[no-untyped-def]
        if name not in by_name:
            raise InputError(f"no series named {name!r} in {series_csv}",
                             hint="series: " + ", ".join(sorted(by_name)))
        return by_name[name]

    findings = []
    if total or parts:
        if not (total and parts):
            raise InputError("--total and --parts go together")
        findings += series_parts_vs_total(get(total), [get(p.strip()) for p in parts.split(",")],
                                          level=level)
    if compare:
        findings += series_two_publishers(get(compare[0]), get(compare[1]), level=level)
    if cumulative or yearly:
        if not (cumulative and yearly):
            raise InputError("--cumulative and --yearly go together")
        findings += series_cumulative_vs_yearly(get(cumulative), get(yearly), level=level)
    if not findings:
        raise InputError("nothing to check", hint="give --total/--parts, --compare or "
                         "--cumulative/--yearly")

    def human(fs: list) -> None:  # type: ignore[type-arg]
        for f in fs:
            mark = "[red]FLAG[/red] " if f.flag else ""
            console.print(f"• {mark}{f.explanation}")

    emit(findings, as_json, human)


@forensics.command("godt")
@click.argument("country")
@click.option("--from", "start", type=int, default=None, help="First year (default: the first published).")
@click.option("--to", "end", type=int, default=None, help="Last year (default: the last published).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the CSV here instead of stdout.")
def godt(country: str, start: int | None, end: int | None, out: Path | None) -> None:
    """Write one country's shipped GODT figures as a series CSV for `forensics run`.

    \b
    Examples:
    tribunal forensics godt Thailand --from 2010 --to 2016 --out th.csv
    tribunal forensics run th.csv
    """
    from tribunal.errors import InputError
    from tribunal.forensics.reference import godt_country_frame

    frame = godt_country_frame(country, start, end)
    text = frame.to_csv(index=False)
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}",
                             hint="choose a file in an existing folder you can write to") from None
        console.print(f"{len(frame)} rows, {frame['series'].nunique()} series -> {out}\n"
                      f"test them against the other countries: tribunal forensics run {out} "
                      f"--exclude-country \"{frame['group'].iloc[0]}\"")
