"""Every way a rule file can be wrong is reported as ``path:line rule-id: what``, all problems of a load at once."""
from __future__ import annotations

import pytest

from pipeline.ruleset import RulesetError, load_ruleset
from pipeline.ruleset.schema import known_normalizers

OK_PATTERN = """
    entity: X
    patterns:
      - id: x.ok
        regex: 'ok'
"""

# (case id, {file: text}, expected problem lines; {d} is the folder)
CASES = [
    ("bad-yaml", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            regex: a: b
        """}, ["{d}/x.yaml:4: invalid YAML: mapping values are not allowed here"]),
    ("duplicate-yaml-key", {"x.yaml": """
        entity: X
        entity: Y
        patterns: [{id: x.a, regex: a}]
        """}, ['{d}/x.yaml:2: invalid YAML: found duplicate key "entity" with value "Y" (original value: "X")']),
    ("not-a-mapping", {"x.yaml": "- a\n- b\n"},
     ["{d}/x.yaml:1: a rule file is a mapping of keys (entity, patterns, ...), got a list"]),
    ("unknown-key", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            tokns: [{ORTH: a}]
        """}, ["{d}/x.yaml:3 x.a: a pattern needs one of 'regex' or 'tokens'",
               "{d}/x.yaml:4 x.a: unknown key 'tokns' (did you mean 'tokens'?)"]),
    ("unknown-top-key", {"x.yaml": """
        entity: X
        exampels: []
        patterns: [{id: x.a, regex: a}]
        """}, ["{d}/x.yaml:2: unknown key 'exampels' (did you mean 'examples'?)"]),
    ("comma-in-flow-mapping", {"x.yaml": """
        entity: X
        patterns: [{id: x.a, regex: a}]
        examples:
          - text: 매출 3,659억
            expect: [{text: 3,659억}]
        """}, ["{d}/x.yaml:5 example-1: unknown key '659억' (inside {…} a comma ends a value: quote texts with "
               'commas, text: "3,659억")',
               "{d}/x.yaml:5 example-1: expect item 1: 'text' must be the mention as written (a string, quoted if "
               "need be), got int 3"]),
    ("missing-entity-patterns", {"x.yaml": "description: nothing else\n"},
     ["{d}/x.yaml:1: missing required key 'entity'", "{d}/x.yaml:1: missing required key 'patterns'"]),
    ("empty-patterns", {"x.yaml": "entity: X\npatterns: []\n"},
     ["{d}/x.yaml:2: 'patterns' must be a non-empty list, got a list"]),
    ("regex-and-tokens", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            regex: a
            tokens: [{ORTH: a}]
        """}, ["{d}/x.yaml:3 x.a: a pattern has exactly one of 'regex' or 'tokens', this one has both"]),
    ("invalid-regex", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            regex: '(?P<n>\\d+'
        """}, ["{d}/x.yaml:4 x.a: invalid regex regex: missing ) at position 9"]),
    ("invalid-not-after", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            regex: a
            not_after: '[가-'
        """}, ["{d}/x.yaml:5 x.a: invalid not_after regex: unterminated character set at position 3"]),
    ("id-not-dotted", {"x.yaml": """
        entity: X
        patterns:
          - id: plain
            regex: a
        """}, ["{d}/x.yaml:3 plain: id must be dotted, like 'money.number_unit' "
               "(letters, digits, _ and -, at least one dot)"]),
    ("id-missing", {"x.yaml": """
        entity: X
        patterns:
          - regex: a
        """}, ["{d}/x.yaml:3: pattern 1 has no 'id'"]),
    ("duplicate-id", {"a.yaml": OK_PATTERN, "b.yaml": """
        entity: Y
        patterns:
          - id: y.fine
            regex: y
          - id: x.ok
            regex: 'ok'
        """}, ["{d}/b.yaml:5 x.ok: duplicate id, first used at {d}/a.yaml:3"]),
    ("missing-lexicon", {"x.yaml": """
        entity: X
        lexicons: {words: no_such_words.tsv}
        patterns: [{id: x.a, regex: '\\L<words>'}]
        """}, ["{d}/x.yaml:2: lexicon 'words': file 'no_such_words.tsv' not found "
               "(looked in {d}/lexicons, rules/lexicons)"]),
    ("unknown-list", {"x.yaml": """
        entity: X
        units: {"%": 1}
        patterns:
          - id: x.a
            regex: '\\d+\\L<unit>'
        """}, ["{d}/x.yaml:5 x.a: \\L<unit> refers to an unknown list (did you mean 'units'?) (known: units)"]),
    ("unknown-at-list", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            tokens: [{ORTH: {IN: ["@nope"]}}]
        """}, ["{d}/x.yaml:4 x.a: '@nope' refers to an unknown list (known: units)"]),
    ("bad-token-pattern", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            tokens: [{TAGG: NNP}, {ORTH: a, OP: "x"}]
        """}, ["{d}/x.yaml:4 x.a: bad token pattern: [pattern -> 0 -> TAGG] Extra inputs are not permitted",
               "{d}/x.yaml:4 x.a: bad token pattern: [pattern -> 1 -> OP -> str-enum[TokenPatternOperatorSimple]] "
               "Input should be '+', '*', '?' or '!'",
               "{d}/x.yaml:4 x.a: bad token pattern: [pattern -> 1 -> OP -> constrained-str] String should match "
               "pattern '^(\\{\\d+\\}|\\{\\d+,\\d*\\}|\\{\\d*,\\d+\\})$'"]),
    ("tokens-not-list", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            tokens: NNP
        """}, ["{d}/x.yaml:4 x.a: 'tokens' must be a non-empty list of token patterns (mappings), got str 'NNP'"]),
    ("bad-context", {"x.yaml": """
        entity: X
        tables: {money_words: [매출, 투자]}
        patterns:
          - id: x.a
            regex: '\\d+억'
            context: {lexicon: money_word, befor: 10}
        """}, ["{d}/x.yaml:6 x.a: unknown key 'befor' (did you mean 'before'?)",
               "{d}/x.yaml:6 x.a: context lexicon 'money_word' is not a lexicon or table of this file "
               "(did you mean 'money_words'?) (known: money_words, units)"]),
    ("bad-pattern-types", {"x.yaml": """
        entity: X
        patterns:
          - id: x.a
            regex: a
            priority: high
            value: KRW
            label: ''
        """}, ["{d}/x.yaml:5 x.a: 'priority' must be an integer, got str 'high'",
               "{d}/x.yaml:6 x.a: 'value' must be a mapping of fixed values, got str 'KRW'",
               "{d}/x.yaml:7 x.a: 'label' must be a non-empty string, got str ''"]),
    ("bad-confidence", {"x.yaml": """
        entity: X
        confidence: 1.5
        patterns:
          - id: x.a
            regex: a
            confidence: sure
          - id: x.b
            regex: b
            confidence: 0
        """}, ["{d}/x.yaml:2: 'confidence' must be a number in (0, 1], got 1.5",
               "{d}/x.yaml:6 x.a: 'confidence' must be a number in (0, 1], got str 'sure'",
               "{d}/x.yaml:9 x.b: 'confidence' must be a number in (0, 1], got 0"]),
    ("malformed-examples", {"x.yaml": """
        entity: X
        patterns: [{id: x.a, regex: a}]
        examples:
          - text: a b c
            expect: [{text: d, value: 1}]
          - text: a
          - text: a
            published: last week
            expect: [{txt: a}]
          - just a string
        counterexamples:
          - [not, text]
        """}, ["{d}/x.yaml:5 example-1: expected text 'd' does not occur in the example text",
               "{d}/x.yaml:6 example-2: 'expect' must be a non-empty list of {text, value} "
               "(a text that must yield nothing belongs in 'counterexamples')",
               "{d}/x.yaml:8 example-3: 'published' must be a date YYYY-MM-DD, got str 'last week'",
               "{d}/x.yaml:9 example-3: unknown key 'txt' (did you mean 'text'?)",
               "{d}/x.yaml:9 example-3: expect item 1 needs 'text': the expected mention as written",
               "{d}/x.yaml:10 example-4: must be a mapping {text, expect, published}, got str 'just a string'",
               "{d}/x.yaml:12 counterexample-1: must be a text or {text, published}, got a list"]),
]


@pytest.mark.parametrize("files,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_problem_is_reported_with_file_line_and_rule(write, files, expected):
    for name, text in files.items():
        d = write(name, text)
    with pytest.raises(RulesetError) as err:
        load_ruleset([d])
    got = [str(p) for p in err.value.problems]
    assert got == [e.replace("{d}", str(d)) for e in expected]
    assert str(err.value).splitlines()[1:] == got


def test_unknown_normalizer_lists_the_known_ones(write):
    d = write("x.yaml", """
        entity: X
        normalizer: nubmer
        patterns: [{id: x.a, regex: a}]
        """)
    known, why = known_normalizers()
    with pytest.raises(RulesetError) as err:
        load_ruleset([d])
    hint = " (did you mean 'number'?)" if "number" in known else ""
    assert [str(p) for p in err.value.problems] == [
        f"{d}/x.yaml:2: unknown normalizer 'nubmer'{hint} (known: {', '.join(known)}{why})"]


def test_all_problems_of_all_files_come_together_in_file_then_line_order(write):
    write("b.yaml", """
        entity: Y
        patterns:
          - id: y.a
            regex: '('
        """)
    d = write("a.yaml", """
        entity: X
        bogus: 1
        patterns:
          - id: nodot
            regex: a
        """)
    with pytest.raises(RulesetError) as err:
        load_ruleset([d])
    assert str(err.value) == "\n".join([
        "3 problems in rule files:",
        f"{d}/a.yaml:2: unknown key 'bogus'",
        f"{d}/a.yaml:4 nodot: id must be dotted, like 'money.number_unit' (letters, digits, _ and -, at least one dot)",
        f"{d}/b.yaml:4 y.a: invalid regex regex: missing ) at position 1",
    ])


def test_missing_folder_is_a_problem(tmp_path):
    with pytest.raises(RulesetError) as err:
        load_ruleset([tmp_path / "nope"])
    assert [str(p) for p in err.value.problems] == [f"{tmp_path / 'nope'}: rules folder not found"]


def test_user_file_may_not_reuse_a_builtin_id(write):
    from pipeline.paths import BUILTIN_RULES_DIR

    try:
        builtin = load_ruleset([BUILTIN_RULES_DIR])
    except RulesetError:
        pytest.skip("the built-in rules do not load (test_rule_examples.py reports why)")
    if not builtin.patterns:
        pytest.skip("no built-in patterns yet")
    taken = builtin.patterns[0]
    d = write("mine.yaml", f"""
        entity: MINE
        patterns:
          - id: {taken.id}
            regex: 'zzz'
        """)
    with pytest.raises(RulesetError) as err:
        load_ruleset([BUILTIN_RULES_DIR, d])
    assert [str(p) for p in err.value.problems] == [
        f"{d}/mine.yaml:3 {taken.id}: duplicate id, first used at {taken.file.display}:{taken.spec.line}"]
