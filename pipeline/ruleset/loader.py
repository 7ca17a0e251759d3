"""Read rule folders into ``RuleFile`` records, collecting every problem with its ``file:line`` first.

>>> from pipeline.paths import BUILTIN_RULES_DIR
>>> ruleset = load_ruleset([BUILTIN_RULES_DIR])   # raises RulesetError listing all problems at once
>>> sorted(ruleset.labels)[:1]
['AREA']
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from pipeline.paths import BUILTIN_LEXICONS_DIR, BUILTIN_RULES_DIR
from pipeline.ruleset.tsv import parse_tsv
from pipeline.ruleset.schema import (COUNTEREXAMPLE_KEYS, CONTEXT_KEYS, EXAMPLE_KEYS, EXPECT_KEYS, FILE_KEYS,
                                     PATTERN_KEYS, UNITS_LIST, Context, Example, Expected, Lexicon, PatternSpec,
                                     Problem, RuleFile, RulesetError, did_you_mean,
                                     known_normalizers)

RULE_SUFFIXES = (".yaml", ".yml")


_LOADED: dict[tuple, Any] = {}  # (folders, their files' stamps) → Ruleset: see load_ruleset


def _stamp(dirs: Sequence[Path]) -> tuple | None:
    """Path, size and modification time of every file under the rule folders and the built-in lexicons."""
    out = []
    try:
        for d in [*dirs, BUILTIN_LEXICONS_DIR]:
            if d.is_dir():
                for p in sorted(d.rglob("*")):
                    if p.is_file():
                        st = p.stat()
                        out.append((str(p), st.st_size, st.st_mtime_ns))
    except OSError:
        return None
    return tuple(out)


def load_ruleset(dirs: Iterable[str | Path] | None = None):
    """Load every ``*.yaml``/``*.yml`` of each folder (built-in first when ``dirs`` is None) into a ``Ruleset``.

    Folders are read in the order given, files in name order; a folder listed twice is read once. All problems
    of all files are collected and raised together as one ``RulesetError``.

    A ruleset is kept per process and handed out again while no file under its folders has changed (same paths,
    sizes and modification times): the batch engine's fork server loads the built-in rules once, and every worker
    it forks starts with them (``pipeline.engines.local``). A Ruleset is not changed after it is built.
    """
    from pipeline.ruleset.compiler import compile_ruleset

    folders = [Path(d) for d in (dirs if dirs is not None else [BUILTIN_RULES_DIR])]
    stamp = _stamp(folders)
    key = (tuple(str(d.resolve()) for d in folders), stamp)
    if stamp is not None and key in _LOADED:
        return _LOADED[key]
    problems: list[Problem] = []
    files = read_rule_files(folders, problems)
    ruleset = compile_ruleset(files, problems)
    if problems:
        # file by file (in load order), line by line
        first_seen = {path: i for i, path in reversed(list(enumerate(p.path for p in problems)))}
        raise RulesetError(sorted(problems, key=lambda p: (first_seen[p.path], p.line)))
    if stamp is not None:
        if len(_LOADED) >= 4:
            _LOADED.clear()
        _LOADED[key] = ruleset
    return ruleset


def read_rule_files(dirs: Iterable[str | Path], problems: list[Problem]) -> list[RuleFile]:
    files: list[RuleFile] = []
    seen_dirs: set[Path] = set()
    for d in dirs:
        d = Path(d)
        if d.resolve() in seen_dirs:
            continue
        seen_dirs.add(d.resolve())
        if not d.is_dir():
            problems.append(Problem(display_path(d), 0, "", "rules folder not found"))
            continue
        for path in sorted(p for p in d.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file()):
            rule_file = _FileReader(path, problems).read()
            if rule_file is not None:
                files.append(rule_file)
    _check_unique_ids(files, problems)
    return files


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (what a user typed), else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_unique_ids(files: list[RuleFile], problems: list[Problem]) -> None:
    first: dict[str, tuple[RuleFile, PatternSpec]] = {}
    for rf in files:
        for pat in rf.patterns:
            if pat.id in first:
                other_file, other = first[pat.id]
                problems.append(Problem(rf.display, pat.line, pat.id,
                                        f"duplicate id, first used at {other_file.display}:{other.line}"))
            else:
                first[pat.id] = (rf, pat)


def _plain(x: Any) -> Any:
    """ruamel's round-trip containers and scalars as plain Python (strings NFC, like the article text)."""
    if isinstance(x, Mapping):
        return {_plain(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    if isinstance(x, str):
        return unicodedata.normalize("NFC", str(x))
    if isinstance(x, dt.datetime):
        return dt.datetime(x.year, x.month, x.day, x.hour, x.minute, x.second, x.microsecond)
    return x


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_confidence(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and 0 < float(x) <= 1


def _shown(x: Any) -> str:
    """A number as written (1.5), anything else by its kind (str 'sure')."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return repr(int(x) if float(x).is_integer() and isinstance(x, int) else float(x))
    return _kind(x)


def _kind(x: Any) -> str:
    if isinstance(x, Mapping):
        return "a mapping"
    if isinstance(x, list):
        return "a list"
    if x is None:
        return "empty"
    return f"{type(x).__name__} {x!r}"


class _FileReader:
    """Validates one rule file; every problem goes to ``problems`` and reading goes on as far as it can."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.display = display_path(path)
        self.problems = problems

    def add(self, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(self.display, line, where, message))

    # ruamel keeps 0-based positions on its containers; we print 1-based lines.
    @staticmethod
    def key_line(node: Any, key: Any, default: int = 1) -> int:
        try:
            return node.lc.key(key)[0] + 1
        except (AttributeError, KeyError, TypeError):
            return default

    @staticmethod
    def item_line(node: Any, idx: int, default: int = 1) -> int:
        try:
            return node.lc.item(idx)[0] + 1
        except (AttributeError, KeyError, TypeError, IndexError):
            return default

    def unknown_keys(self, node: Mapping, allowed: Sequence[str], where: str, default_line: int) -> None:
        flow = getattr(getattr(node, "fa", None), "flow_style", lambda: False)()
        for key in node:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                if not hint and flow and str(key)[:1].isdigit():
                    # {text: 3,659억} reads as text: 3 plus a key '659억'
                    hint = " (inside {…} a comma ends a value: quote texts with commas, text: \"3,659억\")"
                self.add(self.key_line(node, key, default_line), where, f"unknown key '{key}'{hint}")

    def read(self) -> RuleFile | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raw = self.path.read_bytes()
            self.add(raw[:exc.start].count(b"\n") + 1, "", f"not UTF-8 ({exc.reason} at byte {exc.start})")
            return None
        try:
            data = YAML(typ="rt").load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.add(mark.line + 1 if mark else 1, "", f"invalid YAML: {exc.problem or exc.context}")
            return None
        except YAMLError as exc:
            self.add(1, "", f"invalid YAML: {exc}")
            return None
        if not isinstance(data, CommentedMap):
            self.add(1, "", f"a rule file is a mapping of keys (entity, patterns, ...), got {_kind(data)}")
            return None
        if "stage" in data:  # the rule file of a stage other than entity rules (quote.yaml): that stage reads it
            return None
        return self.read_file(data)

    def read_file(self, data: CommentedMap) -> RuleFile:
        self.unknown_keys(data, FILE_KEYS, "", 1)
        entity = data.get("entity")
        if "entity" not in data:
            self.add(1, "", "missing required key 'entity'")
        elif not isinstance(entity, str) or not entity.strip():
            self.add(self.key_line(data, "entity"), "", f"'entity' must be a label such as MONEY, got {_kind(entity)}")
        rf = RuleFile(path=self.path, display=self.display, entity=str(entity or ""))

        if data.get("normalizer") is not None:
            name = data["normalizer"]
            known, why = known_normalizers()
            if not isinstance(name, str) or name not in known:
                self.add(self.key_line(data, "normalizer"), "",
                         f"unknown normalizer '{name}'{did_you_mean(name, known)} (known: {', '.join(known)}{why})")
            else:
                rf.normalizer = name
        if "description" in data:
            rf.description = str(data["description"] or "")
        if "priority" in data:
            if _is_int(data["priority"]):
                rf.priority = int(data["priority"])
            else:
                self.add(self.key_line(data, "priority"), "", f"'priority' must be an integer, got {_kind(data['priority'])}")
        if "confidence" in data:
            if _is_confidence(data["confidence"]):
                rf.confidence = float(data["confidence"])
            else:
                self.add(self.key_line(data, "confidence"), "",
                         f"'confidence' must be a number in (0, 1], got {_shown(data['confidence'])}")
        if "units" in data:
            if isinstance(data["units"], Mapping):
                rf.units = _plain(data["units"])
            else:
                self.add(self.key_line(data, "units"), "", f"'units' must be a mapping unit -> multiplier, got {_kind(data['units'])}")
        if "tables" in data:
            self.read_tables(data, rf)
        if "lexicons" in data:
            self.read_lexicons(data, rf)

        lists = rf.named_lists()
        if "patterns" not in data:
            self.add(1, "", "missing required key 'patterns'")
        elif not isinstance(data["patterns"], CommentedSeq) or not data["patterns"]:
            self.add(self.key_line(data, "patterns"), "", f"'patterns' must be a non-empty list, got {_kind(data['patterns'])}")
        else:
            for i, node in enumerate(data["patterns"]):
                pat = self.read_pattern(data["patterns"], i, node, lists)
                if pat is not None:
                    rf.patterns.append(pat)
        if "examples" in data:
            rf.examples = self.read_examples(data, "examples")
        if "counterexamples" in data:
            rf.counterexamples = self.read_examples(data, "counterexamples")
        return rf

    def read_tables(self, data: CommentedMap, rf: RuleFile) -> None:
        tables = data["tables"]
        if not isinstance(tables, Mapping):
            self.add(self.key_line(data, "tables"), "", f"'tables' must be a mapping name -> table, got {_kind(tables)}")
            return
        for name, table in tables.items():
            line = self.key_line(tables, name)
            if name == UNITS_LIST:
                self.add(line, "", "a table cannot be named 'units' (the top-level 'units' has that name)")
            elif not isinstance(table, (Mapping, list)):
                self.add(line, "", f"table '{name}' must be a mapping or a list, got {_kind(table)}")
            else:
                rf.tables[str(name)] = _plain(table)

    def read_lexicons(self, data: CommentedMap, rf: RuleFile) -> None:
        lexicons = data["lexicons"]
        if not isinstance(lexicons, Mapping):
            self.add(self.key_line(data, "lexicons"), "", f"'lexicons' must be a mapping name -> file.tsv, got {_kind(lexicons)}")
            return
        for name, filename in lexicons.items():
            line = self.key_line(lexicons, name)
            if name == UNITS_LIST or name in rf.tables:
                self.add(line, "", f"lexicon '{name}' has the name of a table; names must be unique in a file")
            elif not isinstance(filename, str) or not filename:
                self.add(line, "", f"lexicon '{name}' must name a TSV file, got {_kind(filename)}")
            else:
                lex = self.load_lexicon(str(name), filename, line)
                # an unreadable lexicon stays known (empty), so its uses are not reported a second time
                rf.lexicons[str(name)] = lex or Lexicon(str(name), Path(filename), [], {})

    def load_lexicon(self, name: str, filename: str, line: int) -> Lexicon | None:
        places = list(dict.fromkeys([self.path.parent / "lexicons", BUILTIN_LEXICONS_DIR]))
        for place in places:
            candidate = place / filename
            if candidate.is_file():
                return self.parse_lexicon(name, candidate, line)
        looked = ", ".join(display_path(p) for p in places)
        self.add(line, "", f"lexicon '{name}': file '{filename}' not found (looked in {looked})")
        return None

    def parse_lexicon(self, name: str, path: Path, line: int) -> Lexicon | None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            self.add(line, "", f"lexicon '{name}': {display_path(path)} is not UTF-8 ({exc.reason})")
            return None
        columns, rows = parse_tsv(text)
        if columns is None:
            self.add(line, "", f"lexicon '{name}': {display_path(path)} has no header line")
            return None
        return Lexicon(name, path, columns, rows)

    def read_pattern(self, seq: CommentedSeq, i: int, node: Any, lists: Mapping[str, list[str]]) -> PatternSpec | None:
        line = self.item_line(seq, i)
        if not isinstance(node, CommentedMap):
            self.add(line, "", f"pattern {i + 1} must be a mapping with an 'id', got {_kind(node)}")
            return None
        pid = node.get("id")
        if "id" not in node:
            self.add(line, "", f"pattern {i + 1} has no 'id'")
            where = f"pattern {i + 1}"
        elif not isinstance(pid, str) or not _is_dotted(pid):
            self.add(self.key_line(node, "id", line), str(pid),
                     "id must be dotted, like 'money.number_unit' (letters, digits, _ and -, at least one dot)")
            where = str(pid)
        else:
            where = pid
        self.unknown_keys(node, PATTERN_KEYS, where, line)
        pat = PatternSpec(id=where, line=line)
        pat.lines = {k: self.key_line(node, k, line) for k in node}

        has_regex, has_tokens = "regex" in node, "tokens" in node
        if has_regex and has_tokens:
            self.add(line, where, "a pattern has exactly one of 'regex' or 'tokens', this one has both")
        elif not has_regex and not has_tokens:
            self.add(line, where, "a pattern needs one of 'regex' or 'tokens'")
        elif has_regex:
            if isinstance(node["regex"], str) and node["regex"]:
                pat.regex = _plain(node["regex"])
            else:
                self.add(pat.lines["regex"], where, f"'regex' must be a non-empty string, got {_kind(node['regex'])}")
        else:
            tokens = node["tokens"]
            if isinstance(tokens, list) and tokens and all(isinstance(t, Mapping) for t in tokens):
                pat.tokens = _plain(tokens)
            else:
                self.add(pat.lines["tokens"], where,
                         f"'tokens' must be a non-empty list of token patterns (mappings), got {_kind(tokens)}")

        if "context" in node:
            pat.context = self.read_context(node["context"], where, pat.lines["context"], lists)
        for key in ("not_before", "not_after"):
            if key in node:
                if isinstance(node[key], str) and node[key]:
                    setattr(pat, key, _plain(node[key]))
                else:
                    self.add(pat.lines[key], where, f"'{key}' must be a non-empty regex, got {_kind(node[key])}")
        if "value" in node:
            if isinstance(node["value"], Mapping):
                pat.value = _plain(node["value"])
            else:
                self.add(pat.lines["value"], where, f"'value' must be a mapping of fixed values, got {_kind(node['value'])}")
        if "label" in node:
            if isinstance(node["label"], str) and node["label"].strip():
                pat.label = node["label"].strip()
            else:
                self.add(pat.lines["label"], where, f"'label' must be a non-empty string, got {_kind(node['label'])}")
        if "span" in node:  # that it names a group of the pattern is checked when compiling
            if isinstance(node["span"], str) and node["span"].strip():
                pat.span = node["span"].strip()
            else:
                self.add(pat.lines["span"], where, f"'span' must name a group of the pattern, got {_kind(node['span'])}")
        if "priority" in node:
            if _is_int(node["priority"]):
                pat.priority = int(node["priority"])
            else:
                self.add(pat.lines["priority"], where, f"'priority' must be an integer, got {_kind(node['priority'])}")
        if "confidence" in node:
            if _is_confidence(node["confidence"]):
                pat.confidence = float(node["confidence"])
            else:
                self.add(pat.lines["confidence"], where,
                         f"'confidence' must be a number in (0, 1], got {_shown(node['confidence'])}")
        return pat

    def read_context(self, ctx: Any, where: str, line: int, lists: Mapping[str, list[str]]) -> Context | None:
        if not isinstance(ctx, CommentedMap):
            self.add(line, where, f"'context' must be a mapping {{lexicon, before, after}}, got {_kind(ctx)}")
            return None
        self.unknown_keys(ctx, CONTEXT_KEYS, where, line)
        ok = True
        name = ctx.get("lexicon")
        if not isinstance(name, str) or not name:
            self.add(line, where, "'context' needs 'lexicon': the name of a lexicon or table of this file")
            ok = False
        elif name not in lists:
            self.add(self.key_line(ctx, "lexicon", line), where,
                     f"context lexicon '{name}' is not a lexicon or table of this file{did_you_mean(name, list(lists))}"
                     f" (known: {', '.join(sorted(lists))})")
            ok = False
        windows = {}
        for key in ("before", "after"):
            value = ctx.get(key, 0)
            if not _is_int(value) or value < 0:
                self.add(self.key_line(ctx, key, line), where,
                         f"context '{key}' must be a number of characters (0 or more), got {_kind(value)}")
                ok = False
            windows[key] = value
        if ok and windows["before"] == 0 and windows["after"] == 0:
            self.add(line, where, "context needs 'before' or 'after' greater than 0")
            ok = False
        return Context(name, windows["before"], windows["after"]) if ok else None

    def read_examples(self, data: CommentedMap, key: str) -> list[Example]:
        counter = key == "counterexamples"
        node = data[key]
        if not isinstance(node, CommentedSeq):
            self.add(self.key_line(data, key), "", f"'{key}' must be a list, got {_kind(node)}")
            return []
        out: list[Example] = []
        for i, item in enumerate(node):
            where = f"{'counterexample' if counter else 'example'}-{i + 1}"
            line = self.item_line(node, i, self.key_line(data, key))
            if counter and isinstance(item, str):
                out.append(Example(text=_plain(item), line=line, index=i + 1))
                continue
            if not isinstance(item, CommentedMap):
                shape = "a text or {text, published}" if counter else "a mapping {text, expect, published}"
                self.add(line, where, f"must be {shape}, got {_kind(item)}")
                continue
            line = self.key_line(item, "text", line)
            self.unknown_keys(item, COUNTEREXAMPLE_KEYS if counter else EXAMPLE_KEYS, where, line)
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                self.add(line, where, "'text' must be a non-empty string")
                continue
            ex = Example(text=_plain(text), line=line, index=i + 1)
            if "published" in item:
                ex.published = self.read_date(item["published"], where, self.key_line(item, "published", line))
            if not counter:
                ex.expect = self.read_expect(item, ex, where)
            out.append(ex)
        return out

    def read_expect(self, item: CommentedMap, ex: Example, where: str) -> list[Expected]:
        expect = item.get("expect")
        line = self.key_line(item, "expect", ex.line)
        if not isinstance(expect, CommentedSeq) or not expect:
            self.add(line, where, "'expect' must be a non-empty list of {text, value} "
                                  "(a text that must yield nothing belongs in 'counterexamples')")
            return []
        out = []
        for j, exp in enumerate(expect):
            eline = self.item_line(expect, j, line)
            if not isinstance(exp, CommentedMap):
                self.add(eline, where, f"expect item {j + 1} must be a mapping {{text, value}}, got {_kind(exp)}")
                continue
            self.unknown_keys(exp, EXPECT_KEYS, where, eline)
            text = exp.get("text")
            if "text" not in exp:
                self.add(eline, where, f"expect item {j + 1} needs 'text': the expected mention as written")
                continue
            if not isinstance(text, str) or not text:
                self.add(eline, where, f"expect item {j + 1}: 'text' must be the mention as written (a string, "
                                       f"quoted if need be), got {_kind(text)}")
                continue
            text = _plain(text)
            if text not in ex.text:
                self.add(eline, where, f"expected text '{text}' does not occur in the example text")
                continue
            out.append(Expected(text, _plain(exp.get("value")), "value" in exp))
        return out

    def read_date(self, value: Any, where: str, line: int) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(line, where, f"'published' must be a date YYYY-MM-DD, got {_kind(value)}")
        return None


def _is_dotted(pid: str) -> bool:
    import re

    return re.fullmatch(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+", pid) is not None
