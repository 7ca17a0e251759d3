"""The report in a real browser: headless Chromium renders the highlighted spans and runs none of the article's markup.

Set-up installs Debian's ``chromium`` when it is missing and we are root with a working apt; otherwise the tests skip
with the reason.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pipeline.review.report import build_report, page_name

from .conftest import EMOJI

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 60
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def _apt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, timeout=INSTALL_TIMEOUT, env=env)


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root (apt-get install -y chromium)")
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and there is no apt-get to install it")
    try:
        res = _apt("install", "-y", "--no-install-recommends", "chromium")
        if res.returncode != 0:  # stale package lists: refresh once and retry
            _apt("update")
            res = _apt("install", "-y", "--no-install-recommends", "chromium")
    except subprocess.TimeoutExpired:
        pytest.skip(f"apt-get install chromium took more than {INSTALL_TIMEOUT} s (no network?)")
    if res.returncode != 0 or not os.path.exists(CHROMIUM):
        tail = (res.stderr or res.stdout).strip().splitlines()[-3:]
        pytest.skip("could not install chromium: " + " | ".join(tail))
    return CHROMIUM


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT)


@pytest.fixture(scope="module")
def emoji_page(tmp_path_factory) -> Path:
    from .conftest import build_tables, write_output

    out = write_output(build_tables(), tmp_path_factory.mktemp("browser") / "out")
    index = build_report(out)
    return index.parent / "docs" / page_name("web/emoji 02")


def test_rendered_dom_has_spans_and_no_article_script(chromium, emoji_page, tmp_path):
    res = _chromium(chromium, tmp_path / "profile", "--dump-dom", emoji_page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = BeautifulSoup(res.stdout, "html.parser")
    assert dom.title.get_text() != "PWNED"
    assert dom.title.get_text().startswith("krnews")
    article = dom.find("article", id="text")
    # the browser's text of the article is the article, character for character, markup shown as text
    assert article.get_text() == EMOJI
    assert article.find("script") is None and article.find("b") is None
    spans = article.select("span.ent")
    assert [s["data-label"] for s in spans] == ["ORG", "MONEY", "PERSON", "MONEY"]
    assert [s.get_text() for s in spans] == ["카카오", "1억원", "김범수", "2억💵원"]
    assert "money.number_unit" in spans[1]["title"]


def test_screenshot_is_a_real_png(chromium, emoji_page, tmp_path):
    shot = tmp_path / "page.png"
    res = _chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,900",
                    emoji_page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5_000


@pytest.fixture(scope="module")
def samples_report(tmp_path_factory) -> Path:
    """The report of what `make run` writes: krnews run samples, then krnews review."""
    import sys

    repo = Path(__file__).resolve().parents[2]
    out = tmp_path_factory.mktemp("samples") / "out"
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(repo / "samples"), "--out", str(out),
                          "--workers", "1"], capture_output=True, text=True, timeout=600, cwd=repo)
    assert run.returncode == 0, run.stderr[-2000:]
    review = subprocess.run([sys.executable, "-m", "pipeline.cli", "review", str(out)], capture_output=True,
                            text=True, timeout=300, cwd=repo)
    assert review.returncode == 0, review.stderr[-2000:]
    return out / "report" / "index.html"


def test_report_of_the_samples_in_chromium(chromium, samples_report, tmp_path):
    res = _chromium(chromium, tmp_path / "profile", "--dump-dom", samples_report.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    index = BeautifulSoup(res.stdout, "html.parser")
    links = [a["href"] for a in index.select("a[href]") if a["href"].startswith("docs/")]
    assert len(links) >= 12  # one page per sample article
    seen: set[str] = set()
    for href in links:
        page = samples_report.parent / href
        res = _chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri())
        assert res.returncode == 0, res.stderr[-2000:]
        dom = BeautifulSoup(res.stdout, "html.parser")
        seen.update(s["data-label"] for s in dom.select("article#text span.ent"))
        if seen >= {"PERSON", "ORG", "MONEY", "AREA", "DATE"}:
            break
    assert seen >= {"PERSON", "ORG", "MONEY", "AREA", "DATE"}
    shot = tmp_path / "sample.png"
    res = _chromium(chromium, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1200,900",
                    (samples_report.parent / links[0]).as_uri())
    assert res.returncode == 0 and shot.stat().st_size > 5_000
