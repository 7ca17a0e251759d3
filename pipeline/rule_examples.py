"""Run every rule file's examples and counterexamples through the full Extractor (resolve and normalize included).

Failures read like Duckling's corpus checks: ``no match``, ``partial match got '…'``, ``value mismatch {got} !=
{expected}``, and for a counterexample ``unexpected MONEY '…'``.

>>> from pipeline import Extractor
>>> extractor = Extractor()
>>> [str(f) for f in run_examples(extractor.ruleset, extractor)]   # doctest: +SKIP
[]
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from pipeline.ruleset.schema import Example, RuleFile

_MISSING = "<missing>"


@dataclass(frozen=True)
class Case:
    """One example or counterexample of one rule file; ``id`` is ``money.yaml::example-3`` (1-based)."""

    id: str
    file: RuleFile
    example: Example
    counter: bool


@dataclass(frozen=True)
class Failure:
    path: str
    line: int
    case: str
    text: str  # the example text
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.case}: {self.message}"


def cases(ruleset) -> list[Case]:
    """Every example, then every counterexample, of every file in load order."""
    out: list[Case] = []
    for rf in ruleset.files:
        out += [Case(f"{rf.name}::example-{ex.index}", rf, ex, False) for ex in rf.examples]
        out += [Case(f"{rf.name}::counterexample-{ex.index}", rf, ex, True) for ex in rf.counterexamples]
    return out


def run_examples(ruleset, extractor) -> list[Failure]:
    """Failures of all examples and counterexamples of ``ruleset`` run through ``extractor`` (empty: all pass)."""
    failures: list[Failure] = []
    for case in cases(ruleset):
        failures += check_case(case, ruleset, extractor)
    return failures


def check_case(case: Case, ruleset, extractor) -> list[Failure]:
    ex, rf = case.example, case.file

    def fail(message: str) -> Failure:
        return Failure(rf.display, ex.line, case.id, ex.text, message)

    result = extractor.extract(ex.text, published=ex.published, doc_id=case.id)
    analysis = result.analysis
    if analysis.status != "ok":
        return [fail(f"extraction failed: {e.stage}: {e.error}: {e.message}") for e in analysis.errors] or \
            [fail(f"extraction failed (status {analysis.status})")]
    labels = rf.labels
    # What a file's cases speak of is what its table receives: a model PERSON with no evidence of being a person
    # (pipeline.stages.link, "Evidence for people rows") stays a mentions row with its confidence, not a people
    # row, so it neither fails a counterexample nor satisfies an example.
    mentions = [m for m in analysis.mentions if m.label in labels and m.in_table]
    if case.counter:
        return [fail(f"unexpected {m.label} '{m.text}'") for m in mentions]

    primary = ruleset.primary_key(rf)
    failures = []
    for exp in ex.expect:
        exact = [m for m in mentions if m.text == exp.text]
        if not exact:
            # the expected text as located in the example (the loader checked that it occurs there)
            spans = [(i, i + len(exp.text)) for i in _find_all(ex.text, exp.text)]
            partial = [m for m in mentions if any(m.start < e and s < m.end for s, e in spans)]
            if partial:
                got = ", ".join(f"'{m.text}'" for m in partial)
                failures.append(fail(f"'{exp.text}': partial match got {got}"))
            else:
                failures.append(fail(f"'{exp.text}': no match"))
            continue
        if not exp.has_value:
            continue
        mismatches = [compare_value(m.value, exp.value, primary) for m in exact]
        if all(mm is not None for mm in mismatches):
            got, want = mismatches[0]
            failures.append(fail(f"'{exp.text}': value mismatch {got} != {want}"))
    return failures


def _find_all(text: str, part: str) -> list[int]:
    out, i = [], text.find(part)
    while i >= 0:
        out.append(i)
        i = text.find(part, i + 1)
    return out


def compare_value(got: Mapping[str, Any] | None, expected: Any, primary: str) -> tuple[Any, Any] | None:
    """None when ``got`` satisfies ``expected``, else the (got, expected) pair to print.

    A scalar ``expected`` is compared with ``got[primary]``, a map key by key (other keys of ``got`` are free);
    numbers are equal within a relative 1e-6, dates equal their ``YYYY-MM-DD`` text.
    """
    if isinstance(expected, Mapping):
        want = dict(expected)
    elif expected is None:
        return None if got is None else (got, None)
    else:
        want = {primary: expected}
    if got is None:
        return (None, want)
    have = {k: got.get(k, _MISSING) for k in want}
    if all(values_equal(have[k], want[k]) for k in want):
        return None
    return (have, want)


def values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=1e-6)
    if isinstance(a, (dt.date, dt.datetime)) or isinstance(b, (dt.date, dt.datetime)):
        return _date_text(a) == _date_text(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    return a == b


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _date_text(x: Any) -> Any:
    return x.isoformat() if isinstance(x, (dt.date, dt.datetime)) else x


def rules_test_command(rules_dir: Path | None = None) -> int:
    """``krnews rules test [--rules DIR]``: run all examples of the built-in (and ``rules_dir``) rule files.

    Prints a per-file summary and each failure as ``file:line case: message``; returns 0 when all pass, 1 when
    some fail, 2 when the rule files do not load.
    """
    from rich.console import Console
    from rich.table import Table

    from pipeline.extractor import Extractor
    from pipeline.ruleset.schema import RulesetError

    console = Console()
    try:
        extractor = Extractor(rules_dir=rules_dir)
    except RulesetError as exc:
        console.print(str(exc), markup=False, highlight=False)
        return 2
    ruleset = extractor.ruleset
    all_cases = cases(ruleset)
    failures: list[Failure] = []
    for case in all_cases:
        failures += check_case(case, ruleset, extractor)

    quote_counts: list[tuple[str, int, int, int]] = []  # stage files (rules/quote.yaml): their own examples
    for stage in extractor.stages:
        rules = getattr(stage, "rules", None)
        if stage.name != "quotes" or rules is None:
            continue
        from pipeline.ruleset.loader import display_path
        from pipeline.stages.quotes import example_failures

        for path in rules.paths:
            n_ex = n_counter = 0
            failed_before = len(failures)
            for key, counter in (("examples", False), ("counterexamples", True)):
                for ex in getattr(rules, key):
                    if ex["file"] != path.name:
                        continue
                    n_counter += counter
                    n_ex += not counter
                    case = f"{path.name}::{key[:-1]}-{ex['index']}"
                    failures += [Failure(display_path(path), ex["line"], case, ex["text"], msg)
                                 for msg in example_failures(ex, extractor, counter)]
            quote_counts.append((path.name, n_ex, n_counter, len({f.case for f in failures[failed_before:]})))

    table = Table(title="rule file examples")
    for col in ("file", "entity", "examples", "counterexamples", "failed"):
        table.add_column(col, justify="left" if col in ("file", "entity") else "right")
    for rf in ruleset.files:
        n_failed = len({f.case for f in failures if f.path == rf.display})
        table.add_row(rf.name, rf.entity, str(len(rf.examples)), str(len(rf.counterexamples)),
                      f"[red]{n_failed}[/red]" if n_failed else "0")
    for name, n_ex, n_counter, n_failed in quote_counts:
        table.add_row(name, "QUOTE (stage)", str(n_ex), str(n_counter), f"[red]{n_failed}[/red]" if n_failed else "0")
    console.print(table)
    for f in failures:
        console.print(f"[red]FAIL[/red] {_escape(str(f))}", soft_wrap=True)
        console.print(f"     text: {_escape(f.text)}", highlight=False, soft_wrap=True)
    n_failed = len({f.case for f in failures})
    colour = "red" if n_failed else "green"
    n_cases = len(all_cases) + sum(n_ex + n_counter for _, n_ex, n_counter, _ in quote_counts)
    console.print(f"[{colour}]{n_cases - n_failed} of {n_cases} cases passed[/{colour}]")
    return 1 if failures else 0


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
