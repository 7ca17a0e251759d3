"""Run one built-in rule file over a text through the real rule, resolve and normalize stages (no Kiwi, no model):
the rule files here use regexes only, so these tests stay fast and independent of the other rule files."""
from __future__ import annotations

import shutil

import pytest

from pipeline.article import Analysis, Article, Mention
from pipeline.paths import BUILTIN_RULES_DIR


@pytest.fixture(scope="session")
def rule_mentions(tmp_path_factory):
    from pipeline.ruleset import load_ruleset
    from pipeline.stages.normalize import NormalizeStage
    from pipeline.stages.resolve import ResolveStage
    from pipeline.stages.rules import RuleStage

    loaded = {}

    def run(filename: str, text: str) -> list[Mention]:
        if filename not in loaded:
            folder = tmp_path_factory.mktemp(filename.split(".")[0])
            shutil.copy(BUILTIN_RULES_DIR / filename, folder)  # its lexicons come from the built-in folder
            loaded[filename] = load_ruleset([folder])
        ruleset = loaded[filename]
        analysis = Analysis(Article("test", text))
        for stage in (RuleStage(ruleset), ResolveStage(), NormalizeStage(ruleset)):
            stage(analysis)
        for m in analysis.mentions:
            assert text[m.start:m.end] == m.text
        return analysis.mentions

    run.ruleset = lambda filename: (run(filename, ""), loaded[filename])[1]
    return run
