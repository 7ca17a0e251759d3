"""Every example and counterexample of every built-in rule file, each its own test (``money.yaml::example-3``).

The rule files are the corpus: a failing case names the file line to look at. Cases run through the full Extractor
(the session fixture ``extractor``), so resolve and normalize apply exactly as in ``krnews run``.
"""
from __future__ import annotations

import pytest

from pipeline.paths import BUILTIN_RULES_DIR
from pipeline.ruleset import RulesetError, load_ruleset
from pipeline.rule_examples import cases, check_case


def _collect():
    try:
        ruleset = load_ruleset([BUILTIN_RULES_DIR])
    except RulesetError as exc:  # one failing case that shows every problem, rather than a collection error
        return [pytest.param(None, str(exc), id="builtin-rules-load")]
    return [pytest.param(case, None, id=case.id) for case in cases(ruleset)] or \
        [pytest.param(None, None, id="no-examples", marks=pytest.mark.skip("no built-in examples yet"))]


@pytest.mark.parametrize("case,load_error", _collect())
def test_rule_file_example(case, load_error, request):
    assert load_error is None, load_error
    extractor = request.getfixturevalue("extractor")  # after the check: a load error is shown, not an Extractor error
    failures = check_case(case, extractor.ruleset, extractor)
    assert not failures, "\n".join(str(f) for f in failures)
