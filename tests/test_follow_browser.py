"""Following a search in a real browser: `streamlit run app.py` (the HashEmbedder, a small
archive), headless Chromium. Search, press "Follow this search", ingest a paper that answers it
and one that does not, and the Following page shows the new passage, counted as new; the feed
address it shows is served by the app (app.py's route) and holds that passage.

Needs Chromium and selenium as tests/test_browser.py does; skips with the reason when absent.
"""
from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, streamlit_app
from test_browser import _missing, _settle, _shot, _wait, audit
from test_follow import ANSWER, CITATION, OLD, OTHER, QUERY

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def archive(tmp_path, hash_env) -> Path:
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "highways.txt").write_text(OLD)
    ingest([tmp_path / "old"], tmp_path / "index", get_embedder())
    return tmp_path / "index"


@pytest.fixture
def server(archive, tmp_path):
    if reason := _missing():
        pytest.skip(reason)
    port = free_port()
    env = {"CS_ARCHIVE_INDEX": str(archive), "CS_ARCHIVE_MODEL": "hash", "CS_ARCHIVE_UPLOADS": str(tmp_path / "uploads")}
    with streamlit_app(port, env, tmp_path / "server.log", drop=("CS_ARCHIVE_BASE_URL",)) as url:
        yield url


@pytest.fixture
def browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from test_browser import CHROMEDRIVER, CHROMIUM

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100",
                "--disable-gpu", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    yield driver
    driver.quit()


def _button(driver, text: str):
    """The shown button with this text (Streamlit's buttons also hold their icons' names)."""
    return _wait_for(driver, lambda d: next((b for b in d.find_elements("css selector", "button")
                                             if text in b.text.splitlines() and b.is_displayed()), None))


def _wait_for(driver, find, timeout: float = 60):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.25,
                         ignored_exceptions=(StaleElementReferenceException,)).until(find)


def test_follow_a_search_in_the_ui_and_see_the_new_passage_on_the_following_page(browser, server, tmp_path):
    import feedparser
    from selenium.webdriver.common.keys import Keys

    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    browser.get(server + "/?q=" + QUERY.replace(" ", "+"))
    _settle(browser)
    _button(browser, "Follow this search").click()
    name = _wait(browser, 'input[aria-label="Name it"]')
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("fostering")
    _button(browser, "Follow").click()
    _wait(browser, '[data-testid="stMainBlockContainer"]', text="Following “fostering”")

    new = tmp_path / "new"
    new.mkdir()
    (new / "fostering.txt").write_text(ANSWER)
    (new / "parking.txt").write_text(OTHER)
    report = ingest([new], tmp_path / "index", get_embedder())
    assert len(report.added) == 2

    browser.get(server + "/following")
    _wait(browser, '[data-testid="stMainBlockContainer"]', text=CITATION)
    _settle(browser)
    main = browser.find_element("css selector", '[data-testid="stMainBlockContainer"]').text
    assert "fostering (1 new)" in main and "New · first seen" in main
    assert "rose to 42" in main and "Car parking" not in main and "pothole" not in main
    _shot(browser, "following.png")
    assert audit(browser) == []

    feed_link = next(a.get_attribute("href") for a in browser.find_elements("css selector", "a")
                     if "/feeds/" in (a.get_attribute("href") or ""))
    assert feed_link.startswith(server + "/feeds/")
    with urllib.request.urlopen(feed_link, timeout=10) as r:
        feed = feedparser.parse(r.read())
    assert [e.title for e in feed.entries] == [CITATION]
