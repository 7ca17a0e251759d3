"""The NER model's token embedding: spaCy's hash embeddings of form features plus Kiwi's morpheme vectors.

``krnews.MorphemeEmbed.v1`` is spaCy's ``MultiHashEmbed`` (hash embeddings of NORM, PREFIX, SUFFIX, SHAPE, TAG,
concatenated, then a Maxout layer) with one more input: the pretrained vector of each token's Kiwi morpheme, read
from ``doc.vocab.vectors`` (keys: Kiwi morpheme ids; the table is built by ``pipeline.training.vectors`` from Kiwi's
CoNg embeddings). The segment stage puts two keys per token in ``doc.user_data[MORPH_KEY]``: the id of the token's
first morpheme, and the id of the placeholder morpheme of its tag (ids 0–49, the one Kiwi gives an unknown word of
that tag). A morpheme without an embedding (the 367,000 proper nouns of Kiwi's multi-word dictionary, user words)
gets its tag's placeholder vector; a token with neither (no table) gets zeros.

Why not spaCy's ``StaticVectors``: it keys vectors by one string attribute (ORTH), and a Korean form names several
morphemes (이/JKS, 이/VCP, 이/NNG); Kiwi's id tells them apart, and the lookup is a gather with no string hashing.
The vectors are fixed (not trained): the Maxout layer that reads them learns what to take from them.
"""
from __future__ import annotations

from typing import List

import numpy
from spacy.ml.featureextractor import FeatureExtractor
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import HashEmbed, Maxout, Model, chain, concatenate, list2ragged, ragged2list, with_array
from thinc.types import Ragged

MORPH_KEY = "krnews.morph"  # doc.user_data key: int64 array (len(doc), 2) of (morpheme id, tag placeholder id)
NO_MORPHEME = -1
def morpheme_keys(doc: Doc) -> numpy.ndarray:
    keys = doc.user_data.get(MORPH_KEY)
    if keys is None or len(keys) != len(doc):
        return numpy.full((len(doc), 2), NO_MORPHEME, dtype=numpy.int64)
    return numpy.asarray(keys, dtype=numpy.int64).reshape(len(doc), 2)


def lookup_rows(vectors, keys: numpy.ndarray) -> numpy.ndarray:
    """Row of each token in the vectors table: its morpheme's, else its tag placeholder's, else -1."""
    if not len(keys):
        return numpy.zeros((0,), dtype=numpy.int64)
    ids = keys.astype(numpy.uint64)  # -1 wraps to a key no table holds
    rows = numpy.asarray(vectors.find(keys=ids[:, 0]), dtype=numpy.int64)
    missing = rows < 0
    if missing.any():
        rows[missing] = numpy.asarray(vectors.find(keys=ids[missing, 1]), dtype=numpy.int64)
    return rows


def MorphemeVectors(width: int, dropout: float = 0.0) -> Model[List[Doc], Ragged]:
    """Docs → Ragged of their tokens' morpheme vectors (``width`` columns: the table's width). No parameters.

    ``dropout``: in training, each token's whole vector is zeroed with this probability (numpy's global generator,
    which spaCy seeds), so the tagger cannot lean on the vector of a name alone; at prediction nothing is dropped."""

    def forward(model: Model, docs: List[Doc], is_train: bool):
        lengths = model.ops.asarray1i([len(doc) for doc in docs])
        n = int(sum(len(doc) for doc in docs))
        out = numpy.zeros((n, width), dtype=numpy.float32)
        if n:
            vectors = docs[0].vocab.vectors
            if vectors.shape[0] and vectors.shape[1] == width:
                rows = lookup_rows(vectors, numpy.concatenate([morpheme_keys(d) for d in docs]))
                found = rows >= 0
                if is_train and dropout > 0.0:
                    found &= numpy.random.random_sample(len(rows)) >= dropout
                out[found] = numpy.asarray(vectors.data)[rows[found]]
        return Ragged(out, lengths), lambda d_ragged: []

    return Model("krnews_morpheme_vectors", forward, dims={"nO": width})


@registry.architectures("krnews.MorphemeEmbed.v1")
def MorphemeEmbed(width: int, attrs: List[str], rows: List[int], vectors_width: int,
                  vectors_dropout: float = 0.0) -> Model[List[Doc], List]:
    """Hash embeddings of ``attrs`` (``rows`` each) and the morpheme vectors (``vectors_width`` columns; 0 leaves
    them out), concatenated and mixed by a Maxout layer of ``width``."""
    if len(rows) != len(attrs):
        raise ValueError(f"krnews.MorphemeEmbed: {len(rows)} row counts for {len(attrs)} attributes")
    embeddings = [HashEmbed(width, rows[i], column=i, seed=8 + i, dropout=0.0) for i in range(len(attrs))]
    features = chain(FeatureExtractor(attrs), list2ragged(), with_array(concatenate(*embeddings)))
    concat_size = width * len(attrs) + vectors_width
    if vectors_width:
        features = concatenate(features, MorphemeVectors(vectors_width, vectors_dropout))
    return chain(features, with_array(Maxout(width, concat_size, nP=3, dropout=0.0, normalize=True)),
                 ragged2list())
