"""The faster searches of ``fastsearch`` find exactly what ``regex.finditer`` finds with the patterns as written."""
from __future__ import annotations

import pickle
import random

import pytest
import regex

from pipeline.paths import BUILTIN_RULES_DIR, NEWS_CORPUS, REPO_DIR
from pipeline.ruleset import Ruleset, RulesetError, fastsearch, load_ruleset
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
        texts += [" ".join(line.split("\t", 1)[-1] for line in lines[i:i + 15]) for i in range(0, 9000, 15)]
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


# -- first characters ------------------------------------------------------------------------------------------------

_literal = fastsearch._literal
FIRST_LISTS = {"ampm": ["오전", "오후", "밤"], "one": ["x"], "blank": [" 가"]}


def first_set(source: str, lists: dict[str, list[str]] | None = None):
    lists = FIRST_LISTS if lists is None else lists
    compiled = regex.compile(source, **{n: lists[n] for n in set(regex.findall(r"\\L<(\w+)>", source))})
    reader = fastsearch._FirstChars(source, bool(compiled.flags & regex.VERBOSE), lists)
    return reader.read(), compiled


@pytest.mark.parametrize("source, members", [
    (r"(?:(?<![가-힣])(?P<ampm>\L<ampm>)\s*)?(?P<hour>2[0-3]|1[0-9]|0?[0-9])시", ["0", "0-9", "1", "2", "밤", "오"]),
    (r"(?x) (?: [1-4] (?:\s*[·/]\s*4)? \s*분기 | \L<ampm> )", ["1-4", "밤", "오"]),
    (r"(?=\d)(?<!a)\b[\]\-^a-c]+b", [_literal("]"), _literal("-"), _literal("^"), "a-c"]),
    (r"(?x) (?# note ) \  a | \# | \x41 | [\u00e9\t] ",
     [_literal("#"), _literal(" "), "\\t", "\\u00e9", "\\x41"]),
    (r"a?b*c{0,2}(?:d|e{0})f", ["a", "b", "c", "d", "e", "f"]),
    (r"(?s:a)(?m:b)", ["a"]),
    (r"\L<blank>|[ ]", ["\\u0020"]),
])
def test_first_characters_are_read_from_the_source(source, members):
    assert first_set(source)[0] == sorted(members)


@pytest.mark.parametrize("source", [
    r"a?", r"(?:a|)", r"(?=a)", r"a|b*", r"\bx?", r".a", r"[^a]b", r"\wa", r"(?i:a)b", r"(?i)ab", r"\1?(a)",
    r"(a)\1", r"\Xa", r"\Ga", r"\Ka", r"(?|a|b)", r"(a)?(?(1)a|b)", r"[[:alpha:]]", r"\N{LATIN SMALL LETTER A}",
    r"a{,2}", r"(?>a?)", r"\p{L}?", r"(?:\d-a)?",
])
def test_first_characters_give_up_on_empty_matches_and_unknown_syntax(source):
    try:
        members, compiled = first_set(source)
    except regex.error:
        pytest.skip("not valid for this regex version")
    assert members is None or not fastsearch._selective(members) or fastsearch.first_chars(
        source, compiled.flags, FIRST_LISTS) is None, members


def random_texts(alphabet: str, count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(count)]


@pytest.mark.parametrize("source", [
    r"(?:(?<![가-힣])(?P<ampm>\L<ampm>)\s*)?(?P<hour>2[0-3]|1[0-9]|0?[0-9])시",
    r"(?x) (?: (?P<q>[1-4]) (?:\s*[·/]\s*4)? \s*분기 | (?P<h>\L<ampm>) )",
    r"(?:0?[1-9])월(?:\s*(?P<d>[0-3]?[0-9])일)?",
    r"[0-9]+(?=시)|[0-9]{2,}(?<=1[0-9])",
    r"(?<![0-9])(?:[0-9]|1[0-2])+?(?P<t>[가-힣])??",
])
def test_a_first_character_check_finds_what_the_pattern_finds(source):
    lists = dict(FIRST_LISTS)
    compiled = regex.compile(source, **{n: lists[n] for n in set(regex.findall(r"\\L<(\w+)>", source))})
    assert fastsearch.first_chars(source, compiled.flags, lists) is not None
    assert not fastsearch.engine_scans_for_first_chars(source, compiled.flags, lists)
    [search] = plan_searches([(source, compiled, lists)])
    assert search.regex.pattern.count("(?=[") > source.count("(?=[")
    for text in random_texts("0123456789시월일분기오전후밤 ·/4가", 600) + ["오후 2시", "11월 3일", "3분기", "밤12시"]:
        assert run(search, text) == spans(compiled.finditer(text)), text


def random_pattern(rng: random.Random, depth: int = 0) -> str:
    atoms = ["a", "b", "가", " ", r"\d", r"\s", "[0-9]", "[1-3]", "[ab]", "[가-나]", r"\L<a>", r"\L<b>", r"\.", "-",
             r"\x41", r"\u00e9", "[]a]", r"[\-x]", "^", "$", r"\b", "[^a]", ".", r"\w", r"\L<e>", "[a-c0]"]
    items = []
    for _ in range(rng.randint(1, 3)):
        if depth < 3 and rng.random() < 0.25:
            inner = "|".join(random_pattern(rng, depth + 1) for _ in range(rng.randint(1, 3)))
            opening = rng.choice(["(?:", "(", f"(?P<g{rng.randint(0, 999)}>", "(?=", "(?!", "(?<=", "(?<!", "(?>"])
            item = opening + inner + ")"
        else:
            item = rng.choice(atoms)
        if rng.random() < 0.3:
            item += rng.choice(["?", "*", "+", "{0,2}", "{1,2}", "{2}", "??", "*?", "+?", "{0}"])
        items.append(item)
    return ("(?x)" if depth == 0 and rng.random() < 0.3 else "") + "".join(items)


def test_first_characters_hold_for_every_match_of_random_patterns():
    rng = random.Random(5)
    lists = {"a": ["가나", "가", "다"], "b": ["x", "xy", " z"], "e": ["ab"]}
    texts = random_texts("ab가나다xyz 0123-.Aé", 60, seed=5)
    checked = 0
    for _ in range(300):
        source = random_pattern(rng)
        named = {n: lists[n] for n in set(regex.findall(r"\\L<(\w+)>", source))}
        try:
            compiled = regex.compile(source, **named)
        except regex.error:
            continue
        members = fastsearch._FirstChars(source, bool(compiled.flags & regex.VERBOSE), lists).read()
        if members is None:
            continue
        checked += 1
        first = regex.compile("[" + "".join(members) + "]", compiled.flags & ~regex.VERBOSE)
        behind_check = regex.compile("(?=[" + "".join(members) + "])" + source, compiled.flags, **named)
        for text in texts:
            for pos in range(len(text) + 1):
                m = compiled.match(text, pos)
                assert m is None or (m.end() > pos and first.match(text, pos)), (source, members, text, pos)
            assert spans(behind_check.finditer(text)) == spans(compiled.finditer(text)), (source, text)
    assert checked > 100


def test_no_first_character_check_where_regex_has_its_own_or_the_set_is_broad():
    lists = {"l": ["가나", "다라"]}
    for source in [r"\d+시", r"(?<![가-힣])\L<l>", r"[가-힣]+(?:부|청)", r"(?:[가-힣]|\d)?[0-9]시"]:
        compiled = regex.compile(source, **({"l": lists["l"]} if "\\L" in source else {}))
        [search] = plan_searches([(source, compiled, lists)])
        assert "(?=[" not in search.regex.pattern, source


# -- compiling less ----------------------------------------------------------------------------------------------------

def test_patterns_as_written_are_compiled_only_when_a_search_needs_them():
    ruleset = Ruleset(load_ruleset([BUILTIN_RULES_DIR]).files)  # a new one: nothing matched with it yet
    for cp in ruleset.patterns:
        if cp.regex is None:
            continue
        assert isinstance(cp.regex, fastsearch.LazyPattern)
        if cp.search.regex.pattern != cp.spec.regex:
            assert cp.regex._compiled is None, cp.id  # not compiled at load
        real = regex.compile(cp.spec.regex, **cp.regex._lists)
        assert (cp.regex.flags, cp.regex.groups, cp.regex.groupindex) == (real.flags, real.groups, real.groupindex)
    lazy = ruleset.by_id["person.name_ssi"].regex
    assert pickle.loads(pickle.dumps(lazy)).pattern == lazy.pattern
    assert lazy.match("김철수 씨") is not None and lazy._compiled is not None


def test_bad_regexes_are_reported_as_before(write):
    folder = write("x.yaml", r"""
        entity: X
        lexicons: {names: surnames.tsv}
        patterns:
          - id: x.a
            regex: '\L<names>(?P<n>a'
          - id: x.b
            regex: '(?P<n>\L<names>)[b-a]'
        """)
    with pytest.raises(RulesetError) as exc:
        load_ruleset([folder])
    messages = [p.message for p in exc.value.problems]
    for source in [r"\L<names>(?P<n>a", r"(?P<n>\L<names>)[b-a]"]:
        with pytest.raises(regex.error) as real:
            regex.compile(source, names=["김", "이"])
        assert f"invalid regex regex: {real.value}" in messages
