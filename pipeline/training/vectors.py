"""Static morpheme vectors read out of Kiwi's CoNg model, for the NER model's ``krnews.MorphemeVectors`` layer.

Kiwi's CoNg language model (the ``cong.mdl`` of ``kiwipiepy_model``, Apache-2.0) holds an embedding for 70,488 of
its morphemes (ids 0–70,487; ids 0–49 are the placeholder morpheme of each tag, the one an unknown word of that tag
gets). kiwipiepy does not hand the embeddings out, only their cosines (``Kiwi.morpheme_similarity``, about 1 µs a
call). The embeddings have 256 dimensions (the Gram matrix of 1,024 random morphemes has exactly 256 eigenvalues
above 1e-5, the 257th is 4e-6), so the cosines with 256 linearly independent *anchor* morphemes determine every
normalized embedding up to one rotation:

    S = E Aᵀ  (E: the normalized embeddings, A: the anchors' rows of E),   G = A Aᵀ = L Lᵀ (Cholesky)
    X = S L⁻ᵀ   satisfies   X Xᵀ = E Aᵀ (A Aᵀ)⁻¹ A Eᵀ = E Eᵀ   (A is square and invertible)

so the rows of ``X`` have exactly Kiwi's cosines as their dot products. The anchors are chosen by a pivoted
Cholesky pass over a fixed candidate set (deterministic, and well conditioned). The table is then centred (the
embeddings share one large common direction), rotated onto its principal axes and cut to ``dims`` columns.

The result is keyed by Kiwi morpheme id, which is fixed for one ``kiwipiepy_model`` version (pinned in
``pyproject.toml``); the table records a fingerprint of (id, form, tag) triples that the NER stage checks when it
loads. Why ids and not forms: a form has several morphemes (이/JKS, 이/VCP, 이/NNG), and the id tells them apart.

>>> from pipeline.training.vectors import build_vectors  # doctest: +SKIP
>>> table = build_vectors(dims=128)  # about 30 s  # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy

EMBED_DIM = 256  # Kiwi CoNg's embedding width (measured: see the module docstring)
N_CANDIDATES = 2_048  # anchor candidates: every k-th embedded morpheme from id 50 on (the tag placeholders excluded)
FINGERPRINT_IDS = (3, 33, 107, 780, 2755, 7546, 16090, 33333, 50000, 70000)


@dataclass
class MorphemeTable:
    """Vectors by Kiwi morpheme id (``ids[i]`` has row ``i`` of ``vectors``) and what they were built from."""

    ids: numpy.ndarray  # int64
    vectors: numpy.ndarray  # float32, (len(ids), dims)
    meta: dict

    def save(self, folder: Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        numpy.save(folder / "ids.npy", self.ids)
        numpy.save(folder / "vectors.npy", self.vectors)
        (folder / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path) -> "MorphemeTable":
        folder = Path(folder)
        return cls(numpy.load(folder / "ids.npy"), numpy.load(folder / "vectors.npy"),
                   json.loads((folder / "meta.json").read_text(encoding="utf-8")))


def kiwi_fingerprint(kiwi) -> list[list]:
    """(id, form, tag) of a few fixed ids: the same Kiwi model gives the same triples."""
    out = []
    for i in FINGERPRINT_IDS:
        m = kiwi.morpheme(i)
        out.append([i, m.form, m.tag])
    return out


def embedded_ids(kiwi, n_morphemes: int | None = None) -> numpy.ndarray:
    """Ids whose cosine with a reference morpheme is a number (the others have no embedding: NaN)."""
    ref = 2755  # 삼성전자/NNP; any embedded morpheme would do
    kiwi.morpheme_similarity(ref, ref)  # the first call normalizes the table (seconds); not timed below
    out = []
    i = 0
    misses = 0
    while n_morphemes is None or i < n_morphemes:
        try:
            s = kiwi.morpheme_similarity(i, ref)
        except Exception:  # past the last id
            break
        if s == s:
            out.append(i)
            misses = 0
        else:
            misses += 1
            if n_morphemes is None and misses > 50_000:  # the embedded ids are one block at the start
                break
        i += 1
    return numpy.asarray(out, dtype=numpy.int64)


def choose_anchors(kiwi, ids: numpy.ndarray, k: int = EMBED_DIM) -> numpy.ndarray:
    """``k`` anchors by pivoted Cholesky over a fixed candidate set: each next anchor is the candidate least
    explained by the anchors so far, so the anchors' Gram matrix is as well conditioned as the set allows."""
    pool = ids[ids >= 50]
    step = max(1, len(pool) // N_CANDIDATES)
    cand = pool[::step][:N_CANDIDATES]
    sim = kiwi.morpheme_similarity
    n = len(cand)
    diag = numpy.ones(n)  # residual variance of each candidate (unit vectors)
    factors = numpy.zeros((k, n))
    chosen: list[int] = []
    for j in range(k):
        p = int(numpy.argmax(diag))
        if diag[p] <= 1e-8:
            raise RuntimeError(f"only {j} independent anchors among {n} candidates")
        chosen.append(p)
        row = numpy.array([sim(int(cand[p]), int(c)) for c in cand])
        row -= factors[:j, p] @ factors[:j]
        factors[j] = row / numpy.sqrt(diag[p])
        diag = diag - factors[j] ** 2
        diag[chosen] = 0.0
    return cand[chosen]


def build_vectors(dims: int = 128, kiwi=None, log=print) -> MorphemeTable:
    """The morpheme vector table (see the module docstring): about 20 M cosine calls, 30–40 s."""
    if kiwi is None:
        from kiwipiepy import Kiwi

        kiwi = Kiwi(model_type="cong")
    t0 = time.perf_counter()
    ids = embedded_ids(kiwi)
    log(f"{len(ids):,} embedded morphemes ({time.perf_counter() - t0:.1f} s)")
    anchors = choose_anchors(kiwi, ids)
    sim = kiwi.morpheme_similarity
    gram = numpy.array([[sim(int(a), int(b)) for b in anchors] for a in anchors], dtype=numpy.float64)
    gram = (gram + gram.T) / 2
    chol = numpy.linalg.cholesky(gram)
    log(f"anchors chosen; Gram condition number {numpy.linalg.cond(gram):.3g} ({time.perf_counter() - t0:.1f} s)")
    S = numpy.empty((len(ids), len(anchors)), dtype=numpy.float64)
    anchor_list = [int(a) for a in anchors]
    for r, i in enumerate(ids.tolist()):
        S[r] = [sim(i, a) for a in anchor_list]
    log(f"cosines read ({time.perf_counter() - t0:.1f} s)")
    X = numpy.linalg.solve(chol, S.T).T  # X = S L⁻ᵀ
    # check: dot products reproduce Kiwi's cosines on fixed pairs
    rng = numpy.random.default_rng(20261201)
    a, b = rng.integers(0, len(ids), 2000), rng.integers(0, len(ids), 2000)
    want = numpy.array([sim(int(ids[x]), int(ids[y])) for x, y in zip(a, b)])
    err = float(numpy.abs((X[a] * X[b]).sum(1) - want).max())
    mean = X.mean(0)
    Xc = X - mean
    _, sing, vt = numpy.linalg.svd(Xc, full_matrices=False)
    Y = Xc @ vt[:dims].T
    kept = float((sing[:dims] ** 2).sum() / (sing ** 2).sum())
    Y /= Y[:, 0].std()  # one overall scale: the first axis has unit variance
    import kiwipiepy_model

    meta = {
        "source": "kiwipiepy_model " + getattr(kiwipiepy_model, "__version__", "?") + " cong.mdl (Apache-2.0)",
        "method": "normalized CoNg morpheme embeddings recovered from 256 anchor cosines, centred, principal axes",
        "n_vectors": int(len(ids)), "dims": int(dims), "variance_kept": round(kept, 4),
        "max_cosine_error": err, "fingerprint": kiwi_fingerprint(kiwi),
        "anchors_sha1": hashlib.sha1(anchors.tobytes()).hexdigest(),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    log(f"built: max cosine error {err:.2e}, {kept:.1%} of the variance in {dims} dims ({meta['seconds']} s)")
    return MorphemeTable(ids.astype(numpy.int64), Y.astype(numpy.float32), meta)


def to_spacy(table: MorphemeTable, folder: Path, dims: int | None = None) -> Path:
    """A blank pipeline whose vocab holds the table (keys: morpheme ids), the form ``[initialize] vectors`` of a
    training config reads; ``dims`` keeps the first (principal) columns."""
    from spacy.vectors import Vectors

    from pipeline.stages.segment import blank_nlp

    nlp = blank_nlp()
    data = table.vectors if dims is None else table.vectors[:, :dims]
    nlp.vocab.vectors = Vectors(data=numpy.ascontiguousarray(data, dtype=numpy.float32),
                                keys=table.ids.astype(numpy.uint64))
    Path(folder).parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(folder)
    return Path(folder)


if __name__ == "__main__":
    import sys

    dims = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("build/vec") / f"kiwi-{dims}"
    build_vectors(dims).save(out)
