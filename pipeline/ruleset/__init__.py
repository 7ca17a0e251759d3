"""Rule files (``rules/*.yaml``) → matchers → mentions: schema, loader with ``file:line`` errors, compiler.

The example runner, which needs the whole Extractor, sits above this package and the Extractor:
``pipeline.rule_examples``.

>>> from pipeline.ruleset import load_ruleset
>>> from pipeline.paths import BUILTIN_RULES_DIR
>>> ruleset = load_ruleset([BUILTIN_RULES_DIR])  # every problem of every file in one RulesetError
"""
from pipeline.ruleset.compiler import CompiledPattern, RawMatch, Ruleset
from pipeline.ruleset.loader import load_ruleset
from pipeline.ruleset.schema import Problem, RuleFile, RulesetError

__all__ = ["CompiledPattern", "Problem", "RawMatch", "RuleFile", "Ruleset", "RulesetError", "load_ruleset"]

