"""The manifest of an output folder: which inputs are done, from which bytes, under which rules, in which part.

It lives in ``OUT/.krnews/manifest.sqlite`` beside the part files (``OUT/.krnews/parts/``). A part file is written
completely (temporary name, then rename) *before* the manifest records it, and each record is one SQLite
transaction, so a run killed at any moment leaves a manifest that only names complete parts; the next run redoes
whatever is missing. The fingerprint (rule files, model, package version, settings) is stored with the parts:
when it changes, every part is stale and the run starts over.

>>> m = Manifest.open("outputs")  # doctest: +SKIP
>>> m.done_inputs()  # doctest: +SKIP
{'samples/seoul/seocho_housing.txt': '9f2c…'}
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

STATE_DIR = ".krnews"
PARTS_DIR = "parts"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    input TEXT NOT NULL, chunk INTEGER NOT NULL, chunks INTEGER NOT NULL, sha256 TEXT NOT NULL,
    file TEXT NOT NULL, ok INTEGER NOT NULL, failed INTEGER NOT NULL, errors INTEGER NOT NULL,
    labels TEXT NOT NULL, excluded INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (input, chunk)
);
"""


def _hash_tree(h, root: Path, tag: str) -> None:
    """Add every file under ``root`` (relative name and bytes, sorted; hidden names and caches skipped)."""
    root = Path(root)
    h.update(f"\0{tag}\0{root.is_dir()}\0".encode())
    if not root.is_dir():
        return
    files = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        files += [Path(dirpath, f) for f in filenames if not f.startswith(".")]
    for f in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        h.update(f"\0{f.relative_to(root).as_posix()}\0".encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)


def _hash_sources(h, package_dir: Path) -> None:
    """Add the package's Python source (relative name and bytes, sorted): a change to the code changes the rows."""
    h.update(b"\0code\0")
    for f in sorted(package_dir.rglob("*.py"), key=lambda p: p.relative_to(package_dir).as_posix()):
        if "__pycache__" in f.parts:
            continue
        h.update(f"\0{f.relative_to(package_dir).as_posix()}\0".encode())
        h.update(f.read_bytes())


def fingerprint(rules_dirs: Sequence[str | Path], model_dir: str | Path | None, settings: dict,
                package_dir: Path | None = None) -> str:
    """A hash of everything besides the input bytes that decides the output rows.

    Rule files and lexicons (every file of every rule folder), the NER model's files, the package's Python source,
    its version, the part format and the run settings (``--published``, NER on or off). Any change redoes every
    input.
    """
    from pipeline import __version__
    from pipeline.engines.parts import PART_FORMAT

    h = hashlib.sha256()
    h.update(json.dumps({"version": __version__, "part_format": PART_FORMAT, **settings}, sort_keys=True).encode())
    for i, d in enumerate(rules_dirs):
        _hash_tree(h, Path(d), f"rules{i}")
    if model_dir is not None:
        _hash_tree(h, Path(model_dir), "model")
    if package_dir is None:
        from pipeline.paths import PACKAGE_DIR as package_dir
    _hash_sources(h, Path(package_dir))
    return h.hexdigest()


class Manifest:
    """SQLite record of done parts: one row per unit (an input file, or one chunk of a large JSONL file)."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.parts_dir = state_dir / PARTS_DIR
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(state_dir / "manifest.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")  # a commit is atomic; a killed writer leaves no torn state
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(parts)")}
        if "excluded" not in columns:  # a manifest of before table inputs; its parts go with its fingerprint
            self.db.execute("ALTER TABLE parts ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0")

    @classmethod
    def open(cls, out_dir: str | Path) -> "Manifest":
        return cls(Path(out_dir) / STATE_DIR)

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ fingerprint
    def check_fingerprint(self, fp: str) -> bool:
        """Store ``fp``; when another one was stored, forget every part (they were made under other rules).

        Returns True when the stored parts are still valid.
        """
        row = self.db.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
        if row is not None and row[0] == fp:
            return True
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM parts")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (fp,))
        for f in self.parts_dir.glob("*.parquet"):
            f.unlink()
        return row is None

    # ------------------------------------------------------------------ parts
    def done_inputs(self) -> dict[str, str]:
        """input → sha256 of every input whose chunks are all recorded under one hash."""
        rows = self.db.execute(
            "SELECT input, sha256 FROM parts GROUP BY input, sha256, chunks HAVING COUNT(*) = chunks").fetchall()
        return dict(rows)

    def done_units(self) -> set[tuple[str, int, str]]:
        return set(self.db.execute("SELECT input, chunk, sha256 FROM parts").fetchall())

    def record(self, file: str, units: Iterable, hashes: dict[str, str], per_unit: dict) -> None:
        """Record a written part: its units, each with the hash of the bytes the worker read."""
        self.db.execute("BEGIN")
        try:
            for u in units:
                sha = hashes.get(u.input, u.sha256)
                # another hash or chunking of the same input is stale from now on
                self.db.execute("DELETE FROM parts WHERE input=? AND (sha256<>? OR chunks<>?)",
                                (u.input, sha, u.chunks))
                st = per_unit[(u.input, u.chunk)]
                self.db.execute("INSERT OR REPLACE INTO parts (input, chunk, chunks, sha256, file, ok, failed, "
                                "errors, labels, excluded) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                (u.input, u.chunk, u.chunks, sha, file, st["ok"], st["failed"], st["errors"],
                                 json.dumps(dict(st["labels"]), sort_keys=True), st.get("excluded", 0)))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def current(self, inputs: dict[str, str]) -> list[tuple[str, str, int, int]]:
        """(file, input, chunk, order) of the recorded parts of ``inputs`` (input → hash, in output order)."""
        order = {inp: i for i, inp in enumerate(inputs)}
        out = []
        for file, inp, chunk, sha in self.db.execute("SELECT file, input, chunk, sha256 FROM parts"):
            if inp in order and inputs[inp] == sha:
                out.append((file, inp, chunk, order[inp]))
        return sorted(out, key=lambda r: (r[3], r[2]))

    def totals(self, inputs: dict[str, str]) -> tuple[int, int, int, Counter]:
        """ok, failed, error rows and mention labels over the recorded parts of ``inputs``."""
        ok = failed = errors = 0
        labels: Counter = Counter()
        for inp, sha, o, f, e, lab in self.db.execute(
                "SELECT input, sha256, ok, failed, errors, labels FROM parts"):
            if inputs.get(inp) == sha:
                ok, failed, errors = ok + o, failed + f, errors + e
                labels.update(json.loads(lab))
        return ok, failed, errors, labels

    def excluded(self, inputs: dict[str, str]) -> int:
        """Table rows kept but not extracted (marked 분석제외) over the recorded parts of ``inputs``."""
        return sum(n for inp, sha, n in self.db.execute("SELECT input, sha256, excluded FROM parts")
                   if inputs.get(inp) == sha)

    def forget_except(self, inputs: dict[str, str]) -> int:
        """Drop records of inputs no longer given (or of old hashes) and delete unreferenced part files."""
        stale = [(inp, ch) for inp, ch, sha in self.done_units() if inputs.get(inp) != sha]
        if stale:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM parts WHERE input=? AND chunk=?", stale)
            self.db.execute("COMMIT")
        keep = {r[0] for r in self.db.execute("SELECT DISTINCT file FROM parts")}
        for f in self.parts_dir.iterdir():
            if f.name not in keep and not f.name.startswith("_"):
                f.unlink()
        return len({inp for inp, _ in stale})
