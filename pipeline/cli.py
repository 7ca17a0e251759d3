"""The ``krnews`` command line: run extraction over folders, test rule files, train and evaluate, review output."""
from __future__ import annotations

import signal
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
    inputs: List[Path] = typer.Argument(..., help="Article files or folders (.txt .md .json .jsonl .html; tables .csv "
                                        ".tsv .xlsx .parquet, one article a row; any of them .gz; .zip archives), "
                                        "read recursively."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the tables (CSV and Parquet)."),
    rules: Optional[Path] = typer.Option(None, "--rules", help="A folder of your own rule files, added to the built-in ones."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Worker processes (default: number of cores)."),
    published: Optional[str] = typer.Option(None, "--published", help="Publication date YYYY-MM-DD for articles without one."),
    formats: str = typer.Option("csv,parquet", "--formats", help="Comma-separated output formats: csv, parquet."),
    engine: str = typer.Option("local", "--engine", help="local (a process pool on this machine) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="With --engine dask: address of a running "
                                            "Dask scheduler (tcp://host:8786); default: a new local cluster."),
    article_timeout: float = typer.Option(120.0, "--article-timeout", help="Seconds an article may take; one "
                                          "over it becomes a failed document with an errors row (stage, "
                                          "timeout) and the batch goes on. 0: no limit."),
    text_column: Optional[str] = typer.Option(None, "--text-column", help="Tables: the column of the article "
                                              "text (default: found by name, e.g. text, body, 본문, 내용)."),
    id_column: Optional[str] = typer.Option(None, "--id-column", help="Tables: the column of the document id."),
    title_column: Optional[str] = typer.Option(None, "--title-column", help="Tables: the column of the title."),
    date_column: Optional[str] = typer.Option(None, "--date-column", help="Tables: the column of the publication date."),
    source_column: Optional[str] = typer.Option(None, "--source-column", help="Tables: the column of the outlet."),
    url_column: Optional[str] = typer.Option(None, "--url-column", help="Tables: the column of the URL."),
    author_column: Optional[str] = typer.Option(None, "--author-column", help="Tables: the column of the byline."),
    include_excluded: bool = typer.Option(False, "--include-excluded", help="Tables: also extract rows marked "
                                          "as excluded (BigKinds 분석제외 여부: 중복, 예외 …)."),
) -> None:
    """Extract entities from every article under INPUTS and write the tables to --out.

    Runs are resumable and incremental: --out keeps a manifest (.krnews/), so a re-run skips unchanged inputs,
    redoes changed ones and drops removed ones; a killed run picks up where it stopped.

    Tables of articles (a BigKinds Excel download, CSV, TSV, Parquet) are read one article a row, with their
    columns found by name (rules/inputs/columns.yaml) or given with --text-column and the like.

    Example: krnews run samples --out outputs --workers 2; krnews run NewsResult.xlsx --out bigkinds
    """
    from pipeline.engines.batch import OutputError, RunLocked
    from pipeline.engines.supervisor import WorkerError
    from pipeline.io.readers import as_date as _as_date
    from pipeline.io import FORMATS

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
    if engine not in ("local", "dask"):
        _fail(f"--engine: unknown {engine!r}; choose local or dask")
    if scheduler and engine != "dask":
        _fail("--scheduler needs --engine dask")
    if workers is not None and workers < 1:
        _fail(f"--workers: {workers} is not a number of processes; give 1 or more")
    if article_timeout < 0:
        _fail(f"--article-timeout: {article_timeout:g} is not a number of seconds; give 0 (no limit) or more")
    from pipeline.ruleset import RulesetError

    progress = None
    bar = None
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(transient=True, console=Console(stderr=True))
        task = bar.add_task("extracting", total=None)
        bar.start()
        progress = lambda done, total: bar.update(task, completed=done, total=total)  # noqa: E731
    previous_term = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        columns = {f: c for f, c in (("text", text_column), ("id", id_column), ("title", title_column),
                                     ("published", date_column), ("source", source_column), ("url", url_column),
                                     ("author", author_column)) if c}
        options = dict(rules_dir=rules, published=pub, formats=fmt, workers=workers, on_progress=progress,
                       article_timeout=article_timeout or None, columns=columns, include_excluded=include_excluded)
        if engine == "dask":
            from pipeline.engines.dask_engine import run_dask

            summary = run_dask(inputs, out, scheduler=scheduler, **options)
        else:
            from pipeline.engines.local import run_local

            summary = run_local(inputs, out, **options)
    except RulesetError as exc:
        _fail(f"rule files refused, nothing was written:\n{exc}")
    except RunLocked as exc:
        _fail(str(exc))
    except (OutputError, WorkerError) as exc:
        _fail(str(exc), 1)
    except (KeyboardInterrupt, Terminated) as exc:
        if bar is not None:
            bar.stop()
            bar = None
        name = "SIGTERM" if isinstance(exc, Terminated) else "SIGINT"
        _fail(f"interrupted ({name}): the articles extracted so far are kept in {out / '.krnews'}; to finish, "
              f"run the same command again:\n  {_command_line()}", 143 if name == "SIGTERM" else 130)
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        if bar is not None:
            bar.stop()
    typer.echo(summary.line())


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt so the run stops the same way: workers stopped,
    parts kept, no table half-written."""


def _stop_on_sigterm(signum, frame) -> None:
    raise Terminated()


def _command_line() -> str:
    import shlex

    argv = sys.argv[1:]
    prog = "krnews" if Path(sys.argv[0]).name in ("krnews", "cli.py", "__main__.py") else Path(sys.argv[0]).name
    return " ".join([prog, *map(shlex.quote, argv)])


@rules_app.command("test")
def rules_test(
    rules: Optional[Path] = typer.Option(None, "--rules", help="A folder of your own rule files, tested with the built-in ones."),
) -> None:
    """Run every example and counterexample of every rule file through the full pipeline.

    Example: krnews rules test --rules my_rules
    """
    if rules is not None and not rules.is_dir():
        _fail(f"--rules: {rules} is not a folder")
    from pipeline.rule_examples import rules_test_command

    raise typer.Exit(rules_test_command(rules))


# --- review: report, export/import of annotations, inspect (pipeline/review/) -----------------------------------


@app.command()
def review(
    out_dir: Path = typer.Argument(..., help="An output folder of `krnews run` (its tables are read, nothing is re-extracted)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Index page to write (other pages go next to it); default OUT_DIR/report/index.html."),
) -> None:
    """Write a static HTML report of an output folder, to read offline.

    An index of documents, an errors page, and one page per article: mentions highlighted, then its table rows.

    Example: krnews review outputs
    """
    from pipeline.review.report import build_report
    from pipeline.review.tables import ReviewError

    try:
        index = build_report(out_dir, html)
    except ReviewError as exc:
        _fail(str(exc))
    typer.echo(f"report: {index}")


@app.command("export")
def export_cmd(
    out_dir: Path = typer.Argument(..., help="An output folder of `krnews run`."),
    fmt: str = typer.Option(..., "--format", "-f", help="label-studio (JSON tasks with predictions), doccano (JSONL) or spans (our JSONL)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write; default OUT_DIR/annotations.<format>.json[l]."),
    offsets: Optional[str] = typer.Option(None, "--offsets", help="utf16 or codepoints; default utf16 for label-studio and doccano (what their browsers count), codepoints for spans."),
) -> None:
    """Export the mentions as pre-annotations to correct in Label Studio or doccano (or as spans JSONL).

    Example: krnews export outputs --format label-studio --out tasks.json
    """
    from pipeline.review.export import export
    from pipeline.review.tables import ReviewError

    try:
        dest = export(out_dir, fmt, out, offsets)
    except ReviewError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {dest}")
    if fmt == "label-studio":
        typer.echo(f"labeling config for the project: {dest.with_name(dest.name + '.config.xml')}")


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="Label Studio JSON export, doccano JSONL export, or spans JSONL."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Spans JSONL to write; default FILE's name with .spans.jsonl."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Write the good spans and warn about the bad ones instead of refusing the file."),
    fmt: str = typer.Option("auto", "--format", "-f", help="auto, label-studio, doccano or spans."),
    offsets: Optional[str] = typer.Option(None, "--offsets", help="utf16 or codepoints; default as for export."),
) -> None:
    """Import corrected annotations as spans JSONL (gold for `krnews evaluate`).

    Each span is checked against its article; bad spans are all reported and nothing is written, unless --skip-bad.

    Example: krnews import project-1.json --out gold.jsonl
    """
    from pipeline.review.importer import AnnotationError, import_annotations
    from pipeline.review.tables import ReviewError

    try:
        result = import_annotations(file, out, fmt, skip_bad=skip_bad, offsets=offsets)
    except AnnotationError as exc:
        _fail(str(exc), 1)
    except ReviewError as exc:
        _fail(str(exc))
    for problem in result.problems:
        typer.secho(f"skipped: {problem}", err=True, fg=typer.colors.YELLOW)
    n = sum(len(r["entities"]) for r in result.records)
    typer.echo(f"wrote {result.dest}: {len(result.records)} documents, {n} spans ({result.fmt})")


@app.command("inspect")
def inspect_cmd(
    out_dir: Path = typer.Argument(..., help="An output folder of `krnews run`."),
    label: Optional[str] = typer.Option(None, "--label", "-l", help="Only this label (MONEY, PERSON, …)."),
    top: int = typer.Option(20, "--top", "-n", help="Rows per table."),
    compare_bigkinds: bool = typer.Option(False, "--compare-bigkinds", help="Compare our PERSON, LOCATION and "
                                          "ORG names with the input table's own lists (BigKinds 인물, 위치, 기관)."),
) -> None:
    """Summaries with DuckDB: most frequent values per label, people by organization, the most quoted people and
    organizations, the strongest edges (entities sharing the most articles), largest amounts; or, with
    --compare-bigkinds, per label how many of the names BigKinds lists we also found, and the names one side lacks.

    Example: krnews inspect outputs --label MONEY --top 10
    """
    from rich.console import Console

    from pipeline.review.inspect import compare_tables, inspect_tables
    from pipeline.review.tables import ReviewError

    try:
        tables = compare_tables(out_dir, top) if compare_bigkinds else inspect_tables(out_dir, label, top)
    except ReviewError as exc:
        _fail(str(exc))
    console = Console()
    for table in tables:
        console.print(table)


@app.command("network")
def network_cmd(
    out_dir: Path = typer.Argument(..., help="An output folder of `krnews run`."),
    fmt: str = typer.Option("gexf", "--format", "-f", help="gexf or graphml (one file, for Gephi), or csv (nodes.csv "
                            "and edges.csv in the folder --out, Gephi's spreadsheet columns)."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (gexf, graphml) or folder (csv)."),
    window: str = typer.Option("article", "--window", help="Entities are linked when they share an article or a sentence."),
    min_weight: int = typer.Option(1, "--min-weight", help="Leave out edges shared by fewer articles (sentences, quotes)."),
) -> None:
    """Write the entity network: co-occurrence edges weighted by shared articles (or sentences), with first and
    last date, and speaker → entity edges from quotes.

    Example: krnews network outputs --format gexf --out outputs/network.gexf --min-weight 2
    """
    from pipeline.review.network import network
    from pipeline.review.tables import ReviewError

    try:
        paths, n_nodes, n_edges = network(out_dir, fmt, out, window, min_weight)
    except ReviewError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {', '.join(str(p) for p in paths)}: {n_nodes} nodes, {n_edges} edges")


# --- train / evaluate (pipeline/training) -------------------------------------------------------------------------
@app.command()
def train(
    config: Optional[Path] = typer.Option(None, "--config", help="spaCy config (default: pipeline/training/config.cfg)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to ship the model (default: pipeline/models/ner)."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Stop after this many updates (default: the config's)."),
    data: Optional[Path] = typer.Option(None, "--data", help="KLUE-NER spans JSONL (default: the shared dataset)."),
    pseudo: bool = typer.Option(True, "--pseudo/--no-pseudo", help="Add the pseudo-labeled corpus "
                                "(pipeline/training/pseudo.spans.jsonl.gz, see docs/ner.md) to the training data."),
    rebuild_vectors: bool = typer.Option(False, "--rebuild-vectors", help="Read the morpheme vectors out of Kiwi "
                                         "again instead of reusing the shipped model's."),
) -> None:
    """Train the NER model on KLUE-NER (and the pseudo-labeled corpus) and ship it; also writes
    build/klue-val.spans.jsonl for `krnews evaluate`.

    Example: krnews train --output build/ner-try --max-steps 300
    """
    from pipeline.training import CONFIG_PATH
    from pipeline.training.data import DEFAULT_SOURCE
    from pipeline.training.train import SHIPPED_MODEL, train_model

    config = config or CONFIG_PATH
    data = data or DEFAULT_SOURCE
    for option, path in (("--config", config), ("--data", data)):
        if not path.is_file():
            _fail(f"{option}: {path} does not exist")
    from pipeline.training.selftrain import PSEUDO_SPANS

    extra = (PSEUDO_SPANS,) if pseudo and PSEUDO_SPANS.exists() else ()
    result = train_model(config=config, output=output or SHIPPED_MODEL, max_steps=max_steps, source=data,
                         extra_train=extra, rebuild_vectors=rebuild_vectors)
    lost = sum(s.outcomes["lost"] for s in result.corpus.alignment.values())
    typer.echo(f"shipped {result.output} (dev ents_f {result.scores.get('ents_f', 0) * 100:.1f}, "
               f"{result.seconds / 60:.1f} min; {lost} gold entities lost to alignment)")


@app.command()
def evaluate(
    gold: Path = typer.Argument(..., help="Gold spans JSONL (KLUE format), or the word 'validation' for our "
                                "fixed validation split of the shared KLUE-NER file."),
    limit: int = typer.Option(0, "--limit", help="Only the first N sentences (0 = all)."),
    model_only: bool = typer.Option(False, "--model-only", help="Score the bare NER model (six KLUE labels), not the whole pipeline."),
    source: Optional[str] = typer.Option(None, "--source", help="Only sentences of this source (wikitree, nsmc)."),
    model: Optional[Path] = typer.Option(None, "--model", help="With --model-only: a model folder other than the shipped one."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the scores as JSON here."),
) -> None:
    """Score extraction against gold spans: per label P/R/F1, strict (exact span) and lenient (overlap).

    Example: krnews evaluate validation --source wikitree
    """
    import json

    from rich.console import Console

    from pipeline.training.evaluate import evaluate_records, load_gold, model_predictor, pipeline_predictor, render

    validation = str(gold) == "validation" and not gold.exists()
    if validation:
        from pipeline.training.data import DEFAULT_SOURCE

        if not DEFAULT_SOURCE.is_file():
            _fail(f"validation: the KLUE-NER file {DEFAULT_SOURCE} is not here (set KRNEWS_SHARED)")
    elif not gold.is_file():
        _fail(f"{gold} does not exist (use 'validation', or `krnews train` writes build/klue-val.spans.jsonl)")
    if model is not None and not model_only:
        _fail("--model: only with --model-only (the whole pipeline uses the shipped model)")
    try:
        if validation:
            from pipeline.training.data import DEFAULT_SOURCE, split_of

            records = [r for r in load_gold(DEFAULT_SOURCE, source=source) if split_of(r["id"]) == "dev"]
            records = records[:limit] if limit else records
        else:
            records = load_gold(gold, limit=limit, source=source)
    except ValueError as exc:
        _fail(str(exc))
    if not records:
        _fail(f"{gold}: no sentences{f' of source {source!r}' if source else ''}")
    predict = model_predictor(model) if model_only else pipeline_predictor()
    scores = evaluate_records(records, predict)
    what = "model only" if model_only else "whole pipeline"
    console = Console()
    console.width = max(console.width, 100)  # nine columns: do not squeeze the headers on a pipe's 80 columns
    console.print(render(scores, f"{gold.name}{f' ({source})' if source else ''}: {what}, {len(records)} sentences"))
    if json_out is not None:
        json_out.write_text(json.dumps(scores.as_dict(), indent=1), encoding="utf-8")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
