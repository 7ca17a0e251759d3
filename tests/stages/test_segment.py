"""The segment stage: sentences, forms and a spaCy Doc that reproduces the article text exactly."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.article import Analysis, Article
from pipeline.stages.segment import blank_nlp


def segment(segmenter, text: str) -> Analysis:
    a = Analysis(Article(doc_id="t", text=text))
    segmenter(a)
    return a


@pytest.mark.parametrize("text, pieces", [
    ("했다", [("했", "VV+EP"), ("다", "EF")]),
    ("오세훈 서울시장은", [("오세훈", "NNP"), ("서울시장", "NNG"), ("은", "JX")]),
    ("1조 2,000억원", [("1", "SN"), ("조", "NR"), ("2,000", "SN"), ("억", "NR"), ("원", "NNB")]),
])
def test_forms_are_surface_pieces_with_kiwi_tags(segmenter, text, pieces):
    a = segment(segmenter, text)
    assert [(f.text, f.tag) for f in a.forms] == pieces
    assert [(t.text, t.tag_) for t in a.doc] == pieces


@pytest.mark.parametrize("text, n_sentences", [
    ("서울시는 29일 발표했다. 부산시도 같은 날 밝혔다.", 2),
    ("첫 문단이다.\n\n둘째 문단이다.\n셋째 줄이다.", 3),
    ("", 0),
    ("   \n ", 0),
])
def test_sentences(segmenter, text, n_sentences):
    a = segment(segmenter, text)
    assert len(a.sentences) == n_sentences
    for s in a.sentences:
        assert a.text[s.start:s.end].strip() == a.text[s.start:s.end]


@pytest.mark.parametrize("text", [
    "오세훈 서울시장은  29일\n\n기자회견에서 했다.",
    "😀 이모지와 𝟘 수학 숫자 ",
    "a\x00b 제어문자\t탭\r\n",
    " 앞에 공백",
    "랠프 월도 에머슨은 말했다",
])
def test_doc_text_is_article_text(segmenter, text):
    a = segment(segmenter, text)
    assert a.doc.text == text
    for f in a.forms:
        assert text[f.start:f.end] == f.text
    assert [t.idx for t in a.doc] == sorted(t.idx for t in a.doc)


_alphabet = st.sampled_from(list("가나다라서울시장은는이가을를했다 \n\t.,~%㎡억원조만0123456789abcXYZ😀𝟘()'\"-·\u3000"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=60), st.lists(_alphabet, max_size=80).map("".join)))
def test_tokenizer_reproduces_any_text(segmenter, text):
    a = segment(segmenter, text)
    assert a.doc.text == text
    assert sum(len(t.text_with_ws) for t in a.doc) == len(text)


def test_blank_nlp_uses_kiwi_tokenizer():
    nlp = blank_nlp()
    doc = nlp("국민의힘 소속 이영수 씨")
    assert doc.text == "국민의힘 소속 이영수 씨"
    assert all(t.tag_ for t in doc)


@pytest.mark.parametrize("num_workers", [0, 1])
def test_segment_many_in_one_pass_for_any_thread_setting(num_workers):
    from pipeline.stages.segment import Segmenter

    seg = Segmenter(num_workers=num_workers)
    texts = ["서울시는 29일 발표했다. 부산시도 밝혔다.", "올해 하반기 1조 2,000억원을 투자한다.", ""]
    analyses = [Analysis(Article(doc_id=str(i), text=t)) for i, t in enumerate(texts)]
    seg.segment_many(analyses)
    assert [len(a.sentences) for a in analyses] == [2, 1, 0]
    assert [a.doc.text for a in analyses] == texts


@pytest.mark.parametrize("text, max_block, expected", [
    ("가" * 10, 20, [(0, 10)]),
    ("", 20, [(0, 0)]),
    ("첫 줄이다.\n" * 6, 20, [(0, 14), (14, 28), (28, 42)]),          # cut after a line break
    ("문장이다. " * 10, 20, [(0, 18), (18, 36), (36, 54), (54, 60)]),  # after a sentence end
    ("가나다 " * 10, 20, [(0, 20), (20, 40)]),                          # at a space
    ("가" * 50, 20, [(0, 20), (20, 40), (40, 50)]),                    # hard
])
def test_split_blocks(text, max_block, expected):
    from pipeline.stages.segment import split_blocks

    blocks = split_blocks(text, max_block)
    assert blocks == expected
    assert "".join(text[s:e] for s, e in blocks) == text


@pytest.mark.parametrize("text, max_run, expected", [
    ("문장이다. 둘째다.", 8, [(0, 10)]),                                         # no stretch over 8: one piece
    ("짧다. " + "가나 " * 8 + "끝.", 10, [(0, 4), (4, 13), (13, 22), (22, 30)]),  # a run cut at spaces
    ("가" * 25, 10, [(0, 10), (10, 20), (20, 25)]),                              # hard, no space
    ("한 줄\n" * 4, 10, [(0, 16)]),                                              # line breaks bound every stretch
])
def test_split_blocks_cuts_stretches_without_sentence_ends(text, max_run, expected):
    from pipeline.stages.segment import split_blocks

    blocks = split_blocks(text, max_run=max_run)
    assert "".join(text[s:e] for s, e in blocks) == text
    assert blocks == expected


def test_long_single_line_article_is_analysed_in_pieces(segmenter):
    from pipeline.stages import segment as seg_mod

    sentence = "서울시는 29일 올해 하반기 1조 2,000억원을 투자한다고 밝혔다. "
    text = sentence * 1500  # about 55,000 characters on one line
    assert len(seg_mod.split_blocks(text)) >= 3
    a = segment(segmenter, text)
    assert a.doc.text == text
    assert len(a.sentences) == 1500
    assert all(text[f.start:f.end] == f.text for f in a.forms)
    whole = segment(segmenter, sentence * 3)
    assert [(f.text, f.tag) for f in a.forms[:len(whole.forms)]] == [(f.text, f.tag) for f in whole.forms]
