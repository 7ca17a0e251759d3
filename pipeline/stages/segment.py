"""Segment stage: Kiwi gives sentences and morphemes in one pass; we turn them into surface forms and a spaCy Doc.

Why not ``Kiwi.split_into_forms``: it re-runs the analysis, and we already need ``tokenize(split_sents=True)`` for
sentences. Forms are derived here from the same tokens by the same rule (overlapping morphemes such as 했 = 하+었
merge into one surface piece; a zero-length morpheme joins the next piece), so one Kiwi pass per article gives
sentences, morphemes and the pieces of the spaCy ``Doc``.

Whitespace between forms: a single space becomes the previous token's trailing space (spaCy's ``spaces``); any
other run (newlines, several spaces, tabs) becomes a whitespace token tagged ``SP``; characters Kiwi did not cover
become ``UNK`` tokens. So ``doc.text`` equals the article text exactly, whatever it contains.

One Kiwi per process (``get_kiwi``): it takes about a second and 300–500 MB to load, does not pickle once user
words are added, and must not be shared across a fork.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
import warnings
from typing import Iterable, Sequence

import numpy
import regex
import spacy
from spacy.attrs import SENT_START, TAG
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.article import Analysis, Form, Sentence
from pipeline.stages.embed import MORPH_KEY

TOKENIZER_NAME = "krnews.KiwiTokenizer"

_KIWI_CACHE: dict[tuple, object] = {}
_KIWI_LOCK = threading.Lock()
# Kiwi tag → id of its placeholder morpheme (ids 0–55: the morpheme an unknown word of that tag gets); filled by
# get_kiwi. A token's pretrained vector falls back to its tag's placeholder (see pipeline.stages.embed).
_PLACEHOLDERS: dict[str, int] = {}
N_PLACEHOLDERS = 56
# id(kiwi) → {user word's morpheme id: the id of the same form and tag in Kiwi's own dictionary}. A user word
# (삼성전자 from the organization lexicon) gets a new id with no embedding, so the NER model would see only its tag's
# placeholder vector where it was trained on the embedded morpheme; the alias gives the token its trained vector.
_USER_ALIASES: dict[int, dict[int, int]] = {}


def get_kiwi(num_workers: int = 0, user_words: tuple[tuple[str, str, float], ...] = ()):
    """The process-wide Kiwi for these settings (built once).

    ``user_words`` are (form, tag, score) triples, e.g. organization names from the lexicons, so Kiwi stops splitting
    국민의힘 into 국민/의/힘.
    """
    key = (num_workers, user_words)
    with _KIWI_LOCK:
        kiwi = _KIWI_CACHE.get(key)
        if kiwi is None:
            from kiwipiepy import Kiwi

            with warnings.catch_warnings():  # 0 means one thread since kiwipiepy 0.21, which is what we want
                warnings.simplefilter("ignore", DeprecationWarning)
                kiwi = Kiwi(num_workers=num_workers)
            base_ids = {}
            for form, tag, score in user_words:
                toks = kiwi.tokenize(form)
                if len(toks) == 1 and toks[0].form == form and toks[0].tag == tag:
                    base_ids[(form, tag)] = toks[0].id
            for form, tag, score in user_words:
                kiwi.add_user_word(form, tag, score)
            aliases = {}
            for (form, tag), base in base_ids.items():
                toks = kiwi.tokenize(form)
                if len(toks) == 1 and toks[0].id != base:
                    aliases[toks[0].id] = base
            _USER_ALIASES[id(kiwi)] = aliases
            if not _PLACEHOLDERS:
                for i in range(N_PLACEHOLDERS):
                    _PLACEHOLDERS.setdefault(kiwi.morpheme(i).tag, i)
            _KIWI_CACHE[key] = kiwi
    return kiwi


_new_form = tuple.__new__  # Form(...) without the named tuple's Python-level __new__ (an article has thousands)


def _add_block(text: str, offset: int, sentences_tokens: Sequence[Sequence], sentences: list[Sentence],
               forms: list[Form], aliases: dict[int, int] | None = None, shared: dict | None = None) -> None:
    """Append the forms and sentences of one piece. ``shared`` (one dict per article) makes equal form texts, tags
    and morpheme ids one object each: a long article has millions of forms, most of them repeats (은, 는, 이 …), and
    a string or an int per form costs more than the form's tuple."""
    append = forms.append
    one = (shared if shared is not None else {}).setdefault
    for toks in sentences_tokens:
        if not toks:
            continue
        if aliases:
            spans = [(t.start, t.len, t.tag, aliases.get(t.id, t.id)) for t in toks]
        else:
            spans = [(t.start, t.len, t.tag, t.id) for t in toks]
        sent_no = len(sentences)
        # The usual sentence: morphemes in text order, none of length zero (96 % of news sentences). Overlapping
        # morphemes (했 = 하+었) still merge here; anything else takes the general path below, which sorts.
        general = False
        prev = -1
        for t_start, t_len, _, _ in spans:
            if t_len == 0 or t_start < prev:
                general = True
                break
            prev = t_start
        if not general:
            cur_start, cur_end, cur_tag, cur_id = spans[0]
            cur_start += offset
            cur_end += cur_start
            s_start = cur_start
            for t_start, t_len, tag, t_id in spans[1:]:
                t_start += offset
                if t_start < cur_end:  # overlaps the current piece: same surface
                    if t_start + t_len > cur_end:
                        cur_end = t_start + t_len
                    cur_tag = cur_tag + "+" + tag
                    continue
                form = text[cur_start:cur_end]
                append(_new_form(Form, (one(form, form), one(cur_tag, cur_tag), cur_start, cur_end, sent_no,
                                        one(cur_id, cur_id))))
                cur_start, cur_end, cur_tag, cur_id = t_start, t_start + t_len, tag, t_id
            form = text[cur_start:cur_end]
            append(_new_form(Form, (one(form, form), one(cur_tag, cur_tag), cur_start, cur_end, sent_no,
                                    one(cur_id, cur_id))))
            sentences.append(Sentence(sent_no, s_start, offset + max(st + ln for st, ln, _, _ in spans)))
            continue
        # (start, zero-length?, position, length, tag): sorting these tuples orders by start, puts a zero-length
        # morpheme after the pieces starting where it does, and keeps Kiwi's order otherwise (했 = 하+었).
        items = [(st, ln == 0, i, ln, tag, mid) for i, (st, ln, tag, mid) in enumerate(spans)]
        items.sort()
        s_start = offset + items[0][0]
        s_end = offset + max(it[0] + it[3] for it in items)
        sentences.append(Sentence(sent_no, s_start, s_end))
        cur_start = cur_end = cur_id = -1
        cur_tags: list[str] = []
        pending_zero: list[str] = []  # tags of zero-length morphemes waiting for the next piece
        for t_start, zero, _, t_len, tag, t_id in items:
            if zero:
                pending_zero.append(tag)
                continue
            t_start += offset
            t_end = t_start + t_len
            if t_start < cur_end:  # overlaps the current piece: same surface
                if t_end > cur_end:
                    cur_end = t_end
                cur_tags.append(tag)
                continue
            if cur_start >= 0:
                append(Form(text[cur_start:cur_end], cur_tags[0] if len(cur_tags) == 1 else "+".join(cur_tags),
                            cur_start, cur_end, sent_no, cur_id))
            cur_start, cur_end, cur_id = t_start, t_end, t_id
            if pending_zero:
                cur_tags = pending_zero + [tag]
                pending_zero = []
            else:
                cur_tags = [tag]
        if cur_start >= 0:
            if pending_zero:  # a zero-length morpheme at the end joins the previous piece
                cur_tags.extend(pending_zero)
            append(Form(text[cur_start:cur_end], "+".join(cur_tags), cur_start, cur_end, sent_no, cur_id))


def forms_from_sentences(text: str, sentences_tokens: Sequence[Sequence],
                         blocks: Sequence[tuple[int, Sequence[Sequence]]] | None = None
                         ) -> tuple[list[Sentence], list[Form]]:
    """Sentences and surface forms from Kiwi's ``tokenize(..., split_sents=True)`` result for one text.

    ``blocks`` (instead of ``sentences_tokens``) gives the results of a long text analysed in pieces, each as
    (offset of the piece in ``text``, its sentences).
    """
    sentences: list[Sentence] = []
    forms: list[Form] = []
    for offset, sentences_tokens in (blocks if blocks is not None else [(0, sentences_tokens)]):
        _add_block(text, offset, sentences_tokens, sentences, forms)
    return sentences, _clean_forms(text, forms)


def _clean_forms(text: str, forms: list[Form]) -> list[Form]:
    """Forms in text order; Kiwi pieces never overlap across sentences, but guard anyway so the Doc can be built."""
    forms.sort(key=lambda f: f.start)
    clean: list[Form] = []
    for f in forms:
        if clean and f.start < clean[-1].end:
            prev = clean[-1]
            end = max(prev.end, f.end)
            clean[-1] = Form(text[prev.start:end], prev.tag + "+" + f.tag, prev.start, end, prev.sentence_idx,
                             prev.morph)
        else:
            clean.append(f)
    return clean


def doc_pieces(text: str, forms: Sequence[Form]
               ) -> tuple[list[str], list[bool], list[str], list[int], list[int]]:
    """Words, trailing-space flags, tags, sentence indices and Kiwi morpheme ids (-1 for whitespace and text Kiwi
    skipped) covering ``text`` exactly (see module docstring)."""
    words: list[str] = []
    spaces: list[bool] = []
    tags: list[str] = []
    sents: list[int] = []
    morphs: list[int] = []

    def add_gap(gap: str, sent: int) -> None:
        i = 0
        while i < len(gap):
            j = i
            is_ws = gap[i].isspace()
            while j < len(gap) and gap[j].isspace() == is_ws:
                j += 1
            run = gap[i:j]
            if is_ws and words and not spaces[-1] and run[0] == " ":
                spaces[-1] = True
                run = run[1:]
            if run:
                words.append(run)
                spaces.append(False)
                tags.append("SP" if is_ws else "UNK")
                sents.append(sent)
                morphs.append(-1)
            i = j

    pos = 0
    last_sent = 0
    for f in forms:
        start = f.start
        if start > pos:
            if start == pos + 1 and text[pos] == " " and words and not spaces[-1]:
                spaces[-1] = True  # the usual gap: one space after a word
            else:
                add_gap(text[pos:start], last_sent)
        words.append(f.text)
        spaces.append(False)
        tags.append(f.tag)
        morphs.append(f.morph)
        last_sent = f.sentence_idx
        sents.append(last_sent)
        pos = f.end
    if pos < len(text):
        add_gap(text[pos:], last_sent)
    return words, spaces, tags, sents, morphs


def _placeholder(tag: str) -> int:
    """The placeholder morpheme of a token's (first) tag: NNP+JKS → NNP, VA-I → VA, SP (whitespace) and UNK → SP/UN."""
    first = tag.split("+", 1)[0]
    found = _PLACEHOLDERS.get(first)
    if found is None:
        found = _PLACEHOLDERS.get(first.split("-", 1)[0], _PLACEHOLDERS.get("UN", -1))
        _PLACEHOLDERS[first] = found
    return found


def morpheme_keys(tags: Sequence[str], morphs: Sequence[int]) -> numpy.ndarray:
    """(morpheme id, tag placeholder id) per token: the keys of ``pipeline.stages.embed``."""
    keys = numpy.empty((len(tags), 2), dtype=numpy.int64)
    keys[:, 0] = morphs
    if not _PLACEHOLDERS:  # no Kiwi loaded in this process (hand-made forms): no fallback keys
        keys[:, 1] = -1
        return keys
    cache = _PLACEHOLDER_OF
    keys[:, 1] = numpy.fromiter((cache[t] if t in cache else cache.setdefault(t, _placeholder(t)) for t in tags),
                                dtype=numpy.int64, count=len(tags))
    return keys


_PLACEHOLDER_OF: dict[str, int] = {}  # full tag string → placeholder id (memo of _placeholder)


def doc_arrays(vocab: Vocab, text: str, forms: Sequence[Form]
               ) -> tuple[list[str], list[bool], numpy.ndarray, numpy.ndarray | None]:
    """What the form Doc of ``text`` holds: its words, trailing-space flags, the (TAG, SENT_START) array that
    ``Doc.from_array`` takes and the morpheme keys of ``pipeline.stages.embed`` (None for no words). ``make_doc``
    builds the Doc from them; the NER stage tags a very long article window by window from them alone."""
    words, spaces, tags, sents, morphs = doc_pieces(text, forms)
    if not words:
        return words, spaces, numpy.empty((0, 2), dtype="uint64"), None
    keys = morpheme_keys(tags, morphs)
    # Tags and sentence starts go in as one array (about half the cost of Doc(tags=..., sent_starts=...), which
    # sets them token by token).
    hashes = _tag_hashes(vocab)
    arr = numpy.empty((len(words), 2), dtype="uint64")
    # through small codes: a Python int per token for its tag's 64-bit hash costs a long text hundreds of MB
    codes: dict[str, int] = {}
    code = numpy.fromiter((codes[t] if t in codes else codes.setdefault(t, len(codes)) for t in tags),
                          dtype=numpy.int64, count=len(tags))
    table = numpy.array([hashes[t] if t in hashes else hashes.add(t) for t in codes], dtype="uint64")
    arr[:, 0] = table[code]
    del code, tags, morphs
    sent = numpy.fromiter(sents, dtype=numpy.int64, count=len(sents))
    starts = numpy.full(len(words), -1, dtype="int64")
    starts[0] = 1
    starts[1:][sent[1:] != sent[:-1]] = 1
    arr[:, 1] = starts.astype("uint64")  # -1 (not a start) wraps around as spaCy's own to_array gives it
    return words, spaces, arr, keys


def make_doc(vocab: Vocab, text: str, forms: Sequence[Form]) -> Doc:
    words, spaces, arr, keys = doc_arrays(vocab, text, forms)
    doc = Doc(vocab, words=words, spaces=spaces)
    if words:
        doc.user_data[MORPH_KEY] = keys
        doc.from_array([TAG, SENT_START], arr)
    return doc


class _TagHashes(dict):
    """Tag string → its hash in ``vocab.strings`` (added there on first sight, so ``token.tag_`` reads it back)."""

    def __init__(self, vocab: Vocab):
        super().__init__()
        self.strings = vocab.strings

    def add(self, tag: str) -> int:
        h = self[tag] = self.strings.add(tag)
        return h


_TAG_HASHES: list[_TagHashes] = []  # the last vocab's (one per process in practice: the extractor's)


def _tag_hashes(vocab: Vocab) -> _TagHashes:
    if not _TAG_HASHES or _TAG_HASHES[0].strings is not vocab.strings:
        _TAG_HASHES[:] = [_TagHashes(vocab)]
    return _TAG_HASHES[0]


class KiwiTokenizer:
    """spaCy tokenizer over Kiwi surface forms; ``nlp(text)`` and ``nlp.make_doc`` use it (training, evaluation)."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        kiwi = get_kiwi()
        sentences, forms = forms_from_sentences(text, kiwi.tokenize(text, split_sents=True))
        return make_doc(self.vocab, text, forms)

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> Iterable[Doc]:
        for text in texts:
            yield self(text)

    # spaCy serializes the tokenizer with the pipeline; ours has no state.
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "KiwiTokenizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        return None

    def from_disk(self, path, **kwargs) -> "KiwiTokenizer":
        return self


@spacy.registry.tokenizers(TOKENIZER_NAME)
def create_kiwi_tokenizer():
    def make(nlp):
        return KiwiTokenizer(nlp.vocab)

    return make


def blank_nlp(tokenizer: str | None = None):
    """``spacy.blank("ko")`` with one of our tokenizers (default the form tokenizer; the stock Korean tokenizer
    needs mecab, which we do not use)."""
    return spacy.blank("ko", config={"nlp": {"tokenizer": {"@tokenizers": tokenizer or TOKENIZER_NAME}}})


class Segmenter:
    """The segment stage. ``segment_many`` runs Kiwi once over a batch of articles (threaded by Kiwi itself)."""

    name = "segment"

    def __init__(self, vocab: Vocab | None = None, num_workers: int = 0,
                 user_words: tuple[tuple[str, str, float], ...] = (), build_doc: bool = True,
                 whole_doc: bool = True):
        self.vocab = vocab if vocab is not None else blank_nlp().vocab
        # The form Doc costs about a fifth of Kiwi's time; the Extractor asks for it only when a stage reads it
        # (rule files with token patterns, or a NER model over forms).
        self.build_doc = build_doc
        # False: an article of more than WHOLE_DOC_FORMS forms gets no Doc (nothing but the NER stage reads it,
        # and the NER stage then builds its windows from the forms); rule files with token patterns need it whole
        self.whole_doc = whole_doc
        self.num_workers = num_workers
        self.user_words = user_words
        self.kiwi = get_kiwi(num_workers, user_words)
        self.aliases = _USER_ALIASES.get(id(self.kiwi))

    def __call__(self, analysis: Analysis) -> None:
        self.segment_many([analysis])

    def segment_many(self, analyses: Sequence[Analysis]) -> None:
        """Kiwi over every piece of every article of the batch; each piece's tokens become forms as soon as Kiwi
        gives them, so only one piece's Kiwi tokens are alive at a time (a long article's whole token list would
        cost gigabytes)."""
        if not analyses:
            return
        pieces: list[tuple[int, int, int]] = []  # (analysis index, start, end) of every piece Kiwi analyses
        for i, a in enumerate(analyses):
            pieces.extend((i, start, end) for start, end in split_blocks(a.text))
        fresh = _fresh_pieces([analyses[i].text[start:end] for i, start, end in pieces]) if len(pieces) > 1 \
            else [True]
        texts = (analyses[i].text[start:end] for (i, start, end), new in zip(pieces, fresh) if new)
        if len(pieces) == 1 or self.num_workers == 0:
            # a one-thread Kiwi (num_workers=0) has no batch API: it analyses the texts one after the other
            results = (self.kiwi.tokenize(t, split_sents=True) for t in texts)
        else:
            results = self.kiwi.tokenize(list(texts), split_sents=True)  # yields in order, as the threads finish
        results = iter(results)
        recent: OrderedDict[str, list] = OrderedDict()  # the same bookkeeping as _fresh_pieces, with the tokens
        state = [([], []) for _ in analyses]  # (sentences, forms) per article, filled piece by piece
        shared: list[dict] = [{} for _ in analyses]
        for (i, start, end), new in zip(pieces, fresh):
            sentences, forms = state[i]
            if len(pieces) == 1:
                sent_tokens = next(results)
            else:
                piece = analyses[i].text[start:end]
                if new:
                    sent_tokens = recent[piece] = next(results)
                    if len(recent) > REPEAT_CACHE:
                        recent.popitem(last=False)
                else:
                    sent_tokens = recent[piece]
                    recent.move_to_end(piece)
            _add_block(analyses[i].text, start, sent_tokens, sentences, forms, self.aliases, shared[i])
            del sent_tokens
        recent.clear()
        del shared
        for analysis, (sentences, forms) in zip(analyses, state):
            analysis.sentences = sentences
            analysis.forms = _clean_forms(analysis.text, forms)
            if self.build_doc and (self.whole_doc or len(analysis.forms) <= WHOLE_DOC_FORMS):
                analysis.doc = make_doc(self.vocab, analysis.text, analysis.forms)
            # else a very long article has no whole Doc: the NER stage reads it window by window from its forms


# A piece identical to one of the last REPEAT_CACHE distinct pieces takes that piece's Kiwi tokens instead of being
# analysed again (Kiwi reads each piece on its own, so the tokens are the same). Text that repeats itself (a line
# pasted thousands of times, a word repeated with no sentence end) then costs Kiwi its distinct pieces only; news,
# which never repeats a whole piece, is analysed exactly as before.
REPEAT_CACHE = 16


def _fresh_pieces(texts: Sequence[str], capacity: int = REPEAT_CACHE) -> list[bool]:
    """For each piece, whether Kiwi must analyse it (False: it equals one of the last ``capacity`` distinct pieces,
    least recently used first out)."""
    recent: OrderedDict[str, None] = OrderedDict()
    out = []
    for t in texts:
        if t in recent:
            recent.move_to_end(t)
            out.append(False)
        else:
            recent[t] = None
            if len(recent) > capacity:
                recent.popitem(last=False)
            out.append(True)
    return out


# Above this many forms (some 150,000 characters; a long news article has 3,000) an article's whole form Doc is
# built only when a stage needs it whole (token patterns in the rule files): the Doc costs some 130 bytes a token
# and building it twice as much again for a moment, which for megabytes of text is more than everything else.
WHOLE_DOC_FORMS = 50_000
MAX_BLOCK = 20_000
# Kiwi reads a stretch with no sentence end as one sentence, and its time grows faster than the stretch (text with
# no sentence ends at all: 6 minutes for 6.6 MB). A stretch longer than this with neither a sentence end nor a line
# break is cut at spaces into pieces of at most this many characters. Real sentences are far shorter (the longest
# of the 15k corpus sentences has 146 characters), so news is analysed exactly as before.
MAX_RUN = 1_000
_SENTENCE_END = regex.compile(r"[.!?。][\"'”’)\]]*\s+")
_BREAK = regex.compile(r"\n|[.!?。][\"'”’)\]]*\s+")


def split_blocks(text: str, max_block: int = MAX_BLOCK, max_run: int = MAX_RUN) -> list[tuple[int, int]]:
    """(start, end) pieces covering ``text`` that Kiwi analyses one by one: at most ``max_block`` characters, cut at
    a line break, else after a sentence end, else at a space (else hard), in the second half of each window; and
    no stretch of more than ``max_run`` characters without a sentence end or line break (such a stretch is cut at
    spaces into pieces of its own).

    Kiwi's time and memory grow faster than the length of one text (a 1 MB single-line file took 157 s and 5 GB
    whole, against 4 s for 100 KB), so a long article is analysed in pieces. News articles are far below both
    limits and are analysed whole, exactly as before.
    """
    out: list[tuple[int, int]] = []
    for start, end in _split_long(text, max_block):
        out.extend(_split_runs(text, start, end, max_run))
    return out


def _split_long(text: str, max_block: int) -> list[tuple[int, int]]:
    n = len(text)
    if n <= max_block:
        return [(0, n)] if n else [(0, 0)]
    blocks: list[tuple[int, int]] = []
    start = 0
    while n - start > max_block:
        lo, hi = start + max_block // 2, start + max_block
        cut = text.rfind("\n", lo, hi)
        if cut >= 0:
            cut += 1
        else:
            ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)]
            if ends:
                cut = ends[-1]
            else:
                space = text.rfind(" ", lo, hi)
                cut = space + 1 if space >= 0 else hi
        blocks.append((start, cut))
        start = cut
    blocks.append((start, n))
    return blocks


def _split_runs(text: str, start: int, end: int, max_run: int) -> list[tuple[int, int]]:
    """[start, end) with every stretch of more than ``max_run`` characters between breaks cut into pieces of its
    own, at spaces in the second half of each window (else hard)."""
    if end - start <= max_run:
        return [(start, end)]
    out: list[tuple[int, int]] = []
    cur = start  # start of the piece being gathered
    seg = start  # start of the current stretch between breaks
    bounds = [m.end() for m in _BREAK.finditer(text, start, end)] + [end]
    for b in bounds:
        if b - seg > max_run:
            if seg > cur:
                out.append((cur, seg))
            a = seg
            while b - a > max_run:
                lo, hi = a + max_run // 2, a + max_run
                space = text.rfind(" ", lo, hi)
                cut = space + 1 if space >= 0 else hi
                out.append((a, cut))
                a = cut
            out.append((a, b))
            cur = b
        seg = b
    if end > cur:
        out.append((cur, end))
    return out


# Every model folder names our tokenizer and (since the tagger) our NER component in its config: importing this
# module registers both, so spacy.load works wherever our tokenizer is known.
import pipeline.stages.biluo  # noqa: E402,F401
