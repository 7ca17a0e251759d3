"""The faster searches of ``fastsearch`` find exactly what ``regex.finditer`` finds with the patterns as written."""
from __future__ import annotations

import random

import pytest
import regex

from pipeline.paths import BUILTIN_RULES_DIR, NEWS_CORPUS, REPO_DIR
from pipeline.ruleset import fastsearch, load_ruleset
from pipeline.ruleset.fastsearch import analyse, list_source, plan_searches


def spans(matches) -> list[tuple]:
    return [(m.span(), m.groupdict()) for m in matches]


def run(search: fastsearch.Search, text: str, positions: dict | None = None) -> list[tuple]:
    return spans(search.finditer(text, {} if positions is None else positions))


# -- lists as tries -------------------------------------------------------------------------------------------------

TRICKY = ["a", "ab", "abc", "abd", "b", "bc", "a b", "#x", "[", "]", "^", "-", "\\", "(", ")", "|", "?", ".",
          "😀", "😀a", "서울", "서울시", "서울시의회", "서", "남궁", "남"]


@pytest.mark.parametrize("context", [
    "(?:{L})", "(?:{L})c", "(?:{L})+", "(?:{L})(?=c)", "(?:{L})(?P<tail>b?c)", "x?(?:{L}){{2}}", "(?>(?:{L}))b",
    "(?x) (?:{L}) c", "(?!(?:{L})c)."])
def test_a_trie_offers_the_forms_as_the_list_does(context):
    rng = random.Random(7)
    alphabet = "abc #[]^-\\()|?.😀서울시의회남궁"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(400)] + TRICKY
    as_list = regex.compile(context.format(L=r"\L<forms>"), forms=TRICKY)
    as_trie = regex.compile(context.format(L=list_source(TRICKY)))
    for text in texts:
        assert spans(as_trie.finditer(text)) == spans(as_list.finditer(text)), text


def test_a_trie_keeps_the_order_of_forms_that_are_prefixes_of_each_other():
    forms = ["대표", "대표이사", "대", "이사"]
    # longest first, with backtracking to shorter forms when what follows fails
    pattern = regex.compile(list_source(forms) + "(?P<rest>이사|사)")
    assert pattern.match("대표이사").group(0, "rest") == ("대표이사", "이사")
    assert pattern.match("대표이사회").group(0) == "대표이사"


# -- reading sources -------------------------------------------------------------------------------------------------

def read(source: str):
    return analyse(source, regex.compile(source, **{n: ["x"] for n in regex.findall(r"\\L<(\w+)>", source)}).flags)


def test_leading_assertions_are_found():
    source = r"(?x) (?<![가-힣]) (?=\L<a>) (?!\L<b>[ ]) (?P<name>\L<a>)"
    analysis = read(source)
    assert source[:analysis.prefix_end].endswith(r"(?!\L<b>[ ])")
    assert analysis.prefix_kinds == ["behind", "ahead", "ahead"]


@pytest.mark.parametrize("source, prefix", [
    (r"(?=a)a|b", ""),                       # b is not behind the assertion
    (r"(?=a)(?=(?P<g>a))a", "(?=a)"),         # an assertion with a group stays with the rest
    (r"(?=a)(?=b)?a", "(?=a)"),               # an optional assertion is no condition
    (r"(?=a)(?=b){1,2}a", "(?=a)"),
    (r"a(?=b)", ""),
    (r"(?:(?=a))a", ""),
    (r"(?=a)(?#note)(?<!b)a", "(?=a)(?#note)(?<!b)"),
])
def test_what_counts_as_a_leading_assertion(source, prefix):
    analysis = read(source)
    assert source[:analysis.prefix_end] == prefix


def test_lists_read_right_to_left_or_ignoring_case_stay_as_written():
    source = r"\L<a>(?<!\L<b>(?=\L<c>))(?i:\L<d>(?-i:\L<e>))(?=\L<f>)"
    expandable = {ref.name: ref.expandable for ref in read(source).lists}
    assert expandable == {"a": True, "b": False, "c": False, "d": False, "e": True, "f": True}


@pytest.mark.parametrize("source", [
    r"(?i)\L<a>", r"(?r)\L<a>", r"(?V1)\L<a>", r"(?:\L<a>){e<=1}", r"\G\L<a>", r"(a)?(?(1)\L<a>|b)",
    r"(?|(a)|(b))\L<a>", r"(a)(?R)?\L<a>", r"[[a]b]\L<a>", r"(?P<n>a)(?P=n)\L<a>", r"(?x:a)\L<a>",
])
def test_unknown_syntax_is_left_alone(source):
    try:
        compiled = regex.compile(source, a=["x"])
    except regex.error:
        pytest.skip("not valid for this regex version")
    assert analyse(source, compiled.flags) is None
    [search] = plan_searches([(source, compiled, {"a": ["x"] * 20})])
    assert search.regex is compiled and search.checks is None


# -- shared leading assertions -------------------------------------------------------------------------------------

def plan(sources: list[str], lists: dict[str, list[str]]) -> list[tuple[object, fastsearch.Search]]:
    compiled = [regex.compile(s, **{n: lists[n] for n in set(regex.findall(r"\\L<(\w+)>", s))}) for s in sources]
    return list(zip(compiled, plan_searches([(s, c, lists) for s, c in zip(sources, compiled)])))


def test_patterns_with_the_same_leading_assertions_share_them():
    lists = {"first": [chr(c) for c in range(ord("a"), ord("a") + 15)]}
    sources = [r"(?<![a-z])(?=\L<first>)[a-z]+", r"(?<![a-z])(?=\L<first>)(?P<two>[a-z]{2})", r"(?=a)a+"]
    (_, one), (_, two), (_, other) = plan(sources, lists)
    assert one.checks is two.checks is not None and other.checks is None


def test_shared_assertions_resume_after_each_match_as_finditer_does():
    # (?=a) holds at every a; a match of aa swallows the next position, as finditer does
    sources = [r"(?=a)a{2}", r"(?=a)(?P<x>a)b?", r"(?=a)a*", r"(?=a)(?:ab)?"]  # the last two also match empty
    planned = plan(sources, {})
    assert all(search.checks is planned[0][1].checks for _, search in planned)
    for text in ["aaab aab", "aaaa", "", "ba", "abab aa"]:
        positions: dict = {}
        for original, search in planned:
            assert run(search, text, positions) == spans(original.finditer(text)), (original.pattern, text)


def test_leading_check_positions_are_all_positions_where_the_assertions_hold():
    checks = fastsearch.LeadingChecks(regex.compile(r"(?<![가-힣])(?=[가-힣]{2})"))
    text = "서울 시 서울시의회, 가 나다"
    assert checks.positions(text) == [p for p in range(len(text) + 1) if checks.pattern.match(text, p)]


# -- the built-in rules ----------------------------------------------------------------------------------------------

def texts_to_try() -> list[str]:
    ruleset = load_ruleset([BUILTIN_RULES_DIR])
    texts = [ex.text for rf in ruleset.files for ex in rf.examples + rf.counterexamples]
    for path in sorted((REPO_DIR / "samples").rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            try:
                texts.append(data.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(data.decode("cp949"))
    if NEWS_CORPUS.is_file():
        lines = NEWS_CORPUS.read_text(encoding="utf-8").splitlines()[1:]
        texts += [" ".join(line.split("\t", 1)[-1] for line in lines[i:i + 15]) for i in range(0, 3000, 15)]
    return texts


def test_builtin_rules_find_what_their_patterns_as_written_find():
    ruleset = load_ruleset([BUILTIN_RULES_DIR])
    searches = [cp for cp in ruleset.patterns if cp.regex is not None]
    assert any(cp.search.checks is not None for cp in searches)  # the person.* patterns share their checks
    assert any(cp.search.regex is not cp.regex for cp in searches)
    for text in texts_to_try():
        positions: dict = {}
        for cp in searches:
            assert run(cp.search, text, positions) == spans(cp.regex.finditer(text)), (cp.id, text[:60])
