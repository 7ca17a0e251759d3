"""Write the table samples: a BigKinds-style Excel download and the same rows as CSV (articles written for krnews;
people, outlets and figures invented).

    .venv/bin/python samples_tables/make_samples.py        # rewrites the two files beside this script

The rows mirror a BigKinds download: its nineteen columns in their order, names in the entity columns separated by
commas, a duplicate marked in 분석제외 여부, a row whose 본문 is empty, and a 본문 cut at about 200 characters (as
BigKinds gives it for some outlets). Tests import ``ROWS`` and the writers to make other variants (CP949, .gz, .zip).
"""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
XLSX = HERE / "NewsResult_20240529-20240531.xlsx"
CSV = HERE / "NewsResult_20240529-20240531.csv"

COLUMNS = ["뉴스 식별자", "일자", "언론사", "기고자", "제목", "통합 분류1", "통합 분류2", "통합 분류3",
           "사건/사고 분류1", "사건/사고 분류2", "사건/사고 분류3", "인물", "위치", "기관", "키워드",
           "특성추출(가중치순 상위 50개)", "본문", "URL", "분석제외 여부"]


def _row(**kw: str) -> list[str]:
    names = {"id": "뉴스 식별자", "date": "일자", "outlet": "언론사", "byline": "기고자", "title": "제목",
             "cat": "통합 분류1", "people": "인물", "places": "위치", "orgs": "기관", "keywords": "키워드",
             "body": "본문", "url": "URL", "excluded": "분석제외 여부"}
    values = {names[k]: v for k, v in kw.items()}
    return [values.get(c, "") for c in COLUMNS]


ROWS: list[list[str]] = [
    _row(id="01100101.20240529093001001", date="20240529", outlet="한빛일보", byline="박서윤 기자",
         title="세종시, 스마트 물류단지에 2,400억원 투입", cat="경제>지역경제",
         people="김도현", places="세종,조치원읍", orgs="세종시,한국토지주택공사",
         keywords="세종시,물류단지,조치원읍,사업비",
         body="세종시가 조치원읍 일대에 스마트 물류단지를 조성한다. 김도현 세종시장은 29일 기자회견을 열고 "
              "총사업비 2,400억원을 2027년까지 투입하겠다고 밝혔다. 단지 면적은 약 33만㎡로, "
              "한국토지주택공사가 시행을 맡는다. 시는 올해 하반기 보상 절차에 들어간다.",
         url="https://www.hanbit-news.example/articles/20240529-001"),
    _row(id="02100311.20240530140502002", date="20240530", outlet="동남경제", byline="이준호",
         title="부산시, 중소기업 수출 지원금 150억원으로 확대", cat="경제>무역",
         people="정하늘", places="부산", orgs="부산시,부산상공회의소", keywords="수출,중소기업,지원금",
         body="부산시는 30일 중소기업 수출 지원 예산을 150억원으로 늘린다고 발표했다. 정하늘 부산시 "
              "경제부시장은 \"지난해보다 규모를 키워 바이어 발굴을 돕겠다\"고 말했다. 부산상공회의소는 "
              "환영한다는 입장을 냈다.",
         url="https://dongnam-econ.example/news/2024/05/30/7781"),
    _row(id="02100312.20240530141000003", date="20240530", outlet="동남경제", byline="이준호",
         title="부산시, 중소기업 수출 지원금 150억원으로 확대", cat="경제>무역",
         people="정하늘", places="부산", orgs="부산시,부산상공회의소", keywords="수출,중소기업,지원금",
         body="부산시는 30일 중소기업 수출 지원 예산을 150억원으로 늘린다고 발표했다.",
         url="https://dongnam-econ.example/news/2024/05/30/7782", excluded="중복"),
    _row(id="03200101.20240531080000004", date="20240531", outlet="서해신문", byline="오지민 기자",
         title="[포토] 인천항 새벽 풍경", cat="사회>지역", places="인천", body="",
         url="https://seohae.example/photo/20240531"),
    _row(id="04100201.20240531101500005", date="20240531", outlet="중부매일뉴스", byline="",
         title="대전 유성구, 연구단지 부지 5만평 추가 지정", cat="IT_과학>과학",
         people="한서진", places="대전,유성구", orgs="유성구,과학기술정보통신부", keywords="연구단지,유성구",
         body="대전 유성구가 연구개발특구 안의 부지 5만평을 추가로 지정받았다. 한서진 유성구청장은 31일 "
              "\"내년 상반기까지 기업 20곳을 유치하겠다\"고 말했다. 과학기술정보통신부는 이달 말 이를 고시할 "
              "예정이며, 구는 기반 시설에 약 85억원을 들일 계획이다. 입주 기업에는 임대료를",
         url="https://jungbu-daily.example/view/55120"),
]


def write_xlsx(path: Path, rows: list[list[str]] = ROWS) -> Path:
    """The workbook as BigKinds lays it out: one sheet, a header row, one article a row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "sheet"
    ws.append(COLUMNS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[str]] = ROWS, encoding: str = "utf-8-sig", delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")  # as Excel saves it
        w.writerow(COLUMNS)
        w.writerows(rows)
    return path


if __name__ == "__main__":
    print(write_xlsx(XLSX))
    print(write_csv(CSV))
