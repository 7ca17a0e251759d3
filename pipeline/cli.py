"""The ``krnews`` command line: run extraction over folders, test rule files, train and evaluate, review output."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    name="krnews",
    help="Extract organizations, people, money, areas and dates from Korean news articles into tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Work with rule files (rules/*.yaml): test their examples.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def _fail(message: str, code: int = 2) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@app.command()
def run(
    inputs: List[Path] = typer.Argument(..., help="Article files or folders (.txt .md .json .jsonl .html), read recursively."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the tables (CSV and Parquet)."),
    rules: Optional[Path] = typer.Option(None, "--rules", help="A folder of your own rule files, added to the built-in ones."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Worker processes (default: number of cores)."),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date YYYY-MM-DD for articles without one."),
    formats: str = typer.Option("csv,parquet", "--formats", help="Comma-separated output formats: csv, parquet."),
) -> None:
    """Extract entities from every article under INPUTS and write the eight tables to --out.

    Example: krnews run samples --out outputs
    """
    from pipeline.engines.local import run_local
    from pipeline.extractor import _as_date
    from pipeline.io.writers import FORMATS

    fmt = [f.strip() for f in formats.split(",") if f.strip()]
    bad = [f for f in fmt if f not in FORMATS]
    if bad or not fmt:
        _fail(f"--formats: unknown {bad or formats!r}; choose from {', '.join(FORMATS)}")
    try:
        pub = _as_date(published)
    except ValueError as exc:
        _fail(f"--published: {exc}")
    if rules is not None and not rules.is_dir():
        _fail(f"--rules: {rules} is not a folder")
    from pipeline.ruleset import RulesetError

    progress = None
    bar = None
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=True, console=__import__("rich.console").console.Console(stderr=True))
        task = bar.add_task("extracting", total=None)
        bar.start()
        progress = lambda done, total: bar.update(task, completed=done, total=total)  # noqa: E731
    try:
        summary = run_local(inputs, out, rules_dir=rules, published=pub, formats=fmt, on_progress=progress)
    except RulesetError as exc:
        _fail(f"rule files refused, nothing was written:\n{exc}")
    finally:
        if bar is not None:
            bar.stop()
    typer.echo(summary.line())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
