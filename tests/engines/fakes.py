"""A stand-in extractor for the engine tests, loaded by the workers too (``KRNEWS_TEST_EXTRACTOR``).

Numbers are MONEY mentions, a leading ``=`` makes an ORG (to exercise formula neutralization). Marker words in a
text make the worker misbehave, to test the supervisor; they exist only here, in the tests, never in the pipeline:

- ``KRNEWS-TEST-CRASH`` the worker kills itself with SIGKILL (as the system's out-of-memory killer would);
- ``KRNEWS-TEST-CRASH-ONCE=<file>`` the same, unless ``<file>`` exists (it is created first): a worker killed once;
- ``KRNEWS-TEST-HANG`` the worker sleeps for an hour (an article that never ends);
- ``KRNEWS-TEST-SLOW`` the article takes half a second;
- ``KRNEWS-TEST-RAISE`` the extractor raises outside any stage's guard (a bug of ours);
- a file named ``KRNEWS-TEST-HANG-READ…`` takes an hour to read (the reader is wrapped when this module loads,
  which happens in the worker that builds a ``FakeExtractor``).
"""
from __future__ import annotations

import os
import re
import signal
import time

from pipeline.article import Analysis, Mention, Sentence
from pipeline.io import readers
from pipeline.extractor import Result
from pipeline.stages.tables import assign_ids, rows_for


def misbehave(text: str) -> None:
    if "KRNEWS-TEST-CRASH" in text:
        once = re.search(r"KRNEWS-TEST-CRASH-ONCE=(\S+)", text)
        if once is None or not os.path.exists(once.group(1)):
            if once is not None:
                open(once.group(1), "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
    if "KRNEWS-TEST-HANG" in text:
        time.sleep(3600)
    if "KRNEWS-TEST-SLOW" in text:
        time.sleep(0.5)
    if "KRNEWS-TEST-RAISE" in text:
        raise RuntimeError("the fake extractor was told to raise")


_read_path = readers.read_path


def _slow_read_path(path, *args, **kwargs):
    if "KRNEWS-TEST-HANG-READ" in str(path):
        time.sleep(3600)
    return _read_path(path, *args, **kwargs)


class FakeExtractor:
    def __init__(self):
        readers.read_path = _slow_read_path

    def extract_many(self, articles, batch_size=32, on_stage=None):
        articles = list(articles)
        if on_stage is not None:
            on_stage("segment")
        for a in articles:
            misbehave(a.text)
        if on_stage is not None:
            on_stage("rules")
        for a in articles:
            an = Analysis(article=a)
            an.sentences = [Sentence(0, 0, len(a.text))]
            for m in re.finditer(r"\d+", a.text):
                an.mentions.append(Mention("MONEY", m.start(), m.end(), m.group(), "rules", "money.fake",
                                           value={"amount": float(m.group()) / 3, "currency": "KRW",
                                                  "approx": m.start() % 2 == 0}))
            if a.text.startswith("="):
                an.mentions.append(Mention("ORG", 0, 2, a.text[:2], "rules", "org.fake", value={"name": a.text[:2]}))
            assign_ids(an)
            an.timings = {"segment": 0.001, "rules": 0.001}
            yield Result(an, rows_for(an))
