"""An article's entities, confidences and scores do not depend on the articles batched with it, under every OpenBLAS
kernel this machine can run.

Why under every kernel: OpenBLAS picks its kernel by the CPU, and on some (Haswell, Zen: AMD EPYC, older Intel) a
row's bits depend on its place in a product. A test run on a CPU whose kernel happens to be row-exact would pass
while the property fails elsewhere; forcing each kernel with ``OPENBLAS_CORETYPE`` in a fresh process makes a green
run here mean green there.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.stages.ner import model_available

pytestmark = pytest.mark.skipif(not model_available(), reason="no shipped model (run `krnews train`)")

TEXTS = [
    "삼성전자는 이재용 회장이 참석한 가운데 주주총회를 열었다.",
    "오세훈 서울시장은 29일 부산 해운대를 방문했다.",
    "한국은행은 지난달 기준금리를 3.5%로 동결했다.",
    "현대자동차는 미국 앨라배마 공장에서 전기차 10만 대를 생산한다.",
    "손흥민은 토트넘 홋스퍼에서 두 골을 넣었다.",
    "김현기 서울시의회 의장은 이날 기자들과 만났다.",
    "오세훈 서울시장은 29일 한국전자통신연구원 방승찬 원장을 만났다. " * 30,
]

# Run in a fresh process: tag every text alone, all together, and in reverse order; print what each run gave.
CHECK = r"""
import hashlib, json, sys
import numpy
from pipeline.article import Analysis, Article
from pipeline.stages.ner import NerStage
from pipeline.stages.segment import Segmenter
texts = json.loads(sys.argv[1])
ner = NerStage()
seg = Segmenter(vocab=ner.nlp.vocab)

def run(batch):
    analyses = [Analysis(Article(doc_id=str(i), text=t)) for i, t in enumerate(batch)]
    seg.segment_many(analyses)
    ner.run_many(analyses)
    out = []
    for a in analyses:
        probs, path = ner.tagger.tag(a.doc, full=True)
        out.append({"mentions": [[m.start, m.end, m.label, m.confidence] for m in a.mentions],
                    "probs": hashlib.sha1(probs.tobytes()).hexdigest(), "path": path.tolist()})
    return out

alone = [run([t])[0] for t in texts]
print(json.dumps({"alone": alone, "together": run(texts), "reversed": run(texts[::-1])[::-1]}))
"""


def runnable_kernels() -> list[str]:
    """The x86-64 kernels of numpy's OpenBLAS that this CPU can execute, by its flags ("" elsewhere: the default).

    numpy's build holds Katmai (generic), Nehalem, Sandybridge, Haswell and SkylakeX for x86-64; other names map
    onto them (Prescott and Core2 onto Katmai, Zen onto Haswell: AMD EPYC runs the Haswell kernel, Cooperlake onto
    SkylakeX), which OpenBLAS reports with ``OPENBLAS_VERBOSE=2``.
    """
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split("flags", 1)[1].split("\n", 1)[0].split())
    except (OSError, IndexError):
        return [""]
    if "sse2" not in flags:
        return [""]
    kernels = ["Katmai"]
    if "sse4_2" in flags:
        kernels.append("Nehalem")
    if "avx" in flags:
        kernels.append("Sandybridge")
    if {"avx2", "fma"} <= flags:
        kernels.append("Haswell")
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        kernels.append("SkylakeX")
    return kernels


def test_runnable_kernels_include_the_ones_known_to_break_row_exactness():
    kernels = runnable_kernels()
    if kernels == [""]:
        pytest.skip("not an x86-64 Linux machine")
    assert "Katmai" in kernels
    flags = Path("/proc/cpuinfo").read_text()
    if " avx2 " in flags and " fma " in flags:
        assert "Haswell" in kernels


@pytest.mark.slow
@pytest.mark.parametrize("kernel", runnable_kernels())
def test_an_article_is_tagged_the_same_alone_and_in_any_batch(kernel):
    env = dict(os.environ, OPENBLAS_VERBOSE="2")
    if kernel:
        env["OPENBLAS_CORETYPE"] = kernel
    out = subprocess.run([sys.executable, "-c", CHECK, json.dumps(TEXTS, ensure_ascii=False)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    if kernel:  # OpenBLAS says which kernel it took: the test must not silently run the default one
        assert f"Core: {kernel}" in out.stdout + out.stderr, (out.stdout + out.stderr)[:500]
    runs = json.loads(out.stdout.strip().splitlines()[-1])
    assert runs["alone"] == runs["together"] == runs["reversed"]
    assert sum(len(r["mentions"]) for r in runs["alone"]) >= 10
    assert all(0.0 < m[3] <= 1.0 for r in runs["alone"] for m in r["mentions"])
