"""The Python API contract: Extractor.extract and Result.tables, and one article's failure staying its own."""
from __future__ import annotations

import pytest

from pipeline.article import Article
from pipeline.io.schema import TABLES


def test_extract_gives_every_table_with_values(extractor):
    result = extractor.extract("서울시는 올해 하반기 사업비 1조 2,000억원을 투입한다고 29일 밝혔다.",
                               published="2024-05-29", doc_id="a1")
    tables = result.tables()
    assert sorted(tables) == sorted(TABLES)
    for name, df in tables.items():
        assert list(df.columns) == list(TABLES[name])
    money = tables["money"]
    assert list(zip(money.text, money.amount, money.currency)) == [("1조 2,000억원", 1_200_000_000_000, "KRW")]
    dates = tables["dates"]
    assert list(zip(dates.text, dates.value)) == [("올해 하반기", "2024-H2"), ("29일", "2024-05-29")]
    docs = tables["documents"]
    assert (docs.doc_id[0], docs.published[0], docs.status[0]) == ("a1", "2024-05-29", "ok")


def test_mentions_carry_their_sentence(extractor):
    result = extractor.extract("서울시는 29일 발표했다. 부산시는 1,000억원을 투입한다.\n\n대구시는 내년 1분기 착공한다.",
                               published="2024-05-29")
    mentions = result.tables()["mentions"]
    by_text = dict(zip(mentions.text, mentions.sentence_idx))
    assert (by_text["29일"], by_text["1,000억원"], by_text["내년 1분기"]) == (0, 1, 2)


def test_bad_published_is_a_clear_error(extractor):
    with pytest.raises(ValueError, match="published"):
        extractor.extract("서울시", published="29 May")


def break_on_bomb(monkeypatch, cls, method: str) -> None:
    """Make ``cls.method`` raise for any article that mentions 폭탄."""
    original = getattr(cls, method)

    def flaky(self, analysis, *args):
        if "폭탄" in analysis.text:
            raise RuntimeError("boom")
        return original(self, analysis, *args)

    monkeypatch.setattr(cls, method, flaky)


# link runs article by article; ner is handed the batch (run_many), and when the batch fails each article is retried
# alone
@pytest.mark.parametrize("stage, method", [("link", "__call__"), ("ner", "_tag_one")])
def test_a_stage_failure_fails_that_article_only(extractor, monkeypatch, stage, method):
    break_on_bomb(monkeypatch, type(next(s for s in extractor.stages if s.name == stage)), method)
    articles = [Article("good", "오세훈 서울시장은 29일 부산 해운대를 방문했다."), Article("bad", "폭탄 문서다."),
                Article("good2", "부산시는 500억원을 쓴다.")]
    results = {r.analysis.article.doc_id: r for r in extractor.extract_many(articles)}
    assert [results[d].analysis.status for d in ("good", "bad", "good2")] == ["ok", "failed", "ok"]
    errors = results["bad"].rows["errors"]
    assert [(e["stage"], e["error"]) for e in errors] == [(stage, "RuntimeError")]
    assert "boom" in errors[0]["message"]
    assert results["bad"].rows["documents"][0]["status"] == "failed"
    assert [r["amount"] for r in results["good2"].rows["money"]] == [50_000_000_000]
    assert [(r["name"], r["title"], r["organization"]) for r in results["good"].rows["people"]] == [
        ("오세훈", "시장", "서울시")]
    ner = [(m.start, m.end) for m in results["good"].analysis.mentions if m.source == "ner"]
    assert len(ner) == len(set(ner))  # a batch retried article by article keeps no mention twice


def test_batches_give_the_results_of_one_article_at_a_time(extractor):
    from pipeline.io.readers import read_path
    from pipeline.paths import REPO_DIR

    articles = [a for p in sorted((REPO_DIR / "samples").rglob("*")) if p.is_file()
                for a in read_path(p, p.name, None) if isinstance(a, Article)]
    assert len(articles) >= 10
    together = [r.rows for r in extractor.extract_many(articles, batch_size=32)]
    alone = [next(iter(extractor.extract_many([a]))).rows for a in articles]
    assert together == alone
