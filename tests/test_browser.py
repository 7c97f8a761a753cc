"""The real thing in a real browser: `streamlit run app.py` on a free localhost port, headless
Debian Chromium driven by Selenium. Type a question, check the first card's citation, audit the
page with axe-core (vendored in tests/vendor), and save screenshots to build/screenshots/ (docs/screenshots/ with
CS_ARCHIVE_SCREENSHOTS=docs/screenshots).

Needs /usr/bin/chromium and /usr/bin/chromedriver (`make setup` installs them with apt when
missing) and the selenium package; skips with the reason when one is absent.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, streamlit_app

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
PDF = ROOT / "tests" / "fixtures" / "pdf" / "report_running_headers.pdf"
# Screenshots and axe reports of each run go to build/screenshots (not tracked); set
# CS_ARCHIVE_SCREENSHOTS=docs/screenshots to refresh the ones the docs show.
SHOTS = Path(os.environ.get("CS_ARCHIVE_SCREENSHOTS") or ROOT / "build" / "screenshots")
QUESTION = "how many children are in care per 10,000"
CITATION = "Cabinet · 4 January 2024 · Children's Services Update · para 2.23"
# WCAG 2.0/2.1 A and AA rules plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Findings inside Streamlit's own widgets that the app cannot change, each with its reason.
STREAMLIT_OWN = {
    # st.file_uploader's drop zone is <section role="presentation" aria-label=…>; the real
    # control, the "Browse files" button beside it, is labelled and keyboard-reachable.
    ("presentation-role-conflict", "stFileUploaderDropzone"),
}

pytestmark = pytest.mark.model


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "Chromium is not installed (/usr/bin/chromium, /usr/bin/chromedriver): run `make setup` as root"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: run `make setup`"
    return None


@pytest.fixture(scope="module")
def archive(seed_index, tmp_path_factory) -> Path:
    """The seed archive plus one real PDF (so the paper page can show an original)."""
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    folder = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(seed_index, folder)
    papers = folder.parent / "papers"
    papers.mkdir()
    shutil.copy(PDF, papers)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CS_ARCHIVE_MODEL", raising=False)
        get_embedder.cache_clear()
        report = ingest([papers], folder, get_embedder())
    assert report.added and not report.failed
    return folder


@pytest.fixture(scope="module")
def server(archive, tmp_path_factory):
    if reason := _missing():
        pytest.skip(reason)
    port = free_port()
    env = {"CS_ARCHIVE_INDEX": str(archive), "CS_ARCHIVE_UPLOADS": str(tmp_path_factory.mktemp("uploads"))}
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_app(port, env, log, "--server.enableStaticServing", "true", drop=("CS_ARCHIVE_MODEL",)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100",
                "--disable-gpu", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_script_timeout(120)
    yield driver
    driver.quit()


def _wait(driver, css: str, timeout: float = 180, text: str | None = None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, poll_frequency=0.25)
    if text is not None:
        wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def _settle(driver, timeout: float = 180) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' status)."""
    from selenium.webdriver.support.ui import WebDriverWait

    time.sleep(0.5)
    WebDriverWait(driver, timeout, poll_frequency=0.25).until(lambda d: not d.find_elements(
        "css selector", '[data-testid="stStatusWidget"]'))
    time.sleep(0.5)


def audit(driver) -> list[dict]:
    """axe-core's violations on the current page (rule id, impact, help, a few targets)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        "  .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));",
        AXE_TAGS)
    data = json.loads(result)
    assert not isinstance(data, dict), data
    out = []
    for v in data:
        nodes = [n["html"][:300] for n in v["nodes"] if (v["id"], _testid(n["html"])) not in STREAMLIT_OWN]
        if nodes:
            out.append({"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": nodes[:5],
                        "count": len(nodes)})
    return out


def _testid(html: str) -> str | None:
    m = re.search(r'data-testid="([^"]+)"', html)
    return m.group(1) if m else None


def _shot(driver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    driver.save_screenshot(str(path))
    return path


def test_a_councillor_types_a_question_and_gets_the_cited_paragraph(browser, server):
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    box = _wait(browser, 'input[aria-label="Ask a question or look up a phrase"]')
    _settle(browser)
    box.click()
    box.send_keys(QUESTION, Keys.ENTER)
    _wait(browser, '[data-testid="stMainBlockContainer"]', text="1.")
    _wait(browser, '[data-testid="stMainBlockContainer"]', text=CITATION)
    _settle(browser)
    titles = [e.text for e in browser.find_elements("css selector", '[data-testid="stMarkdownContainer"] strong')]
    first = next(t for t in titles if t.startswith("1. "))
    assert CITATION in first, titles
    assert "q=how+many+children" in browser.current_url or "q=how%20many%20children" in browser.current_url
    _shot(browser, "search.png")
    violations = audit(browser)
    (SHOTS / "axe-search.json").write_text(json.dumps(violations, indent=2) + "\n")
    assert violations == [], json.dumps(violations, indent=2)
    # The first page's JavaScript: neither the code box's syntax highlighter (1.5 MB) nor Vega,
    # which loads when the timeline tab is opened.
    scripts = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/BidiComponent." in u for u in scripts), scripts  # the copy box is there
    assert not [u for u in scripts if "SyntaxHighlighter" in u or "VegaLite" in u or "/embed." in u], scripts


def test_the_copy_button_puts_the_citation_on_the_clipboard(browser, server):
    browser.get(server + "/?q=" + urllib.request.quote(QUESTION))
    _wait(browser, '[data-testid="stMainBlockContainer"]', text=CITATION)
    _settle(browser)
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": server, "permissions": ["clipboardReadWrite",
                                                                                          "clipboardSanitizedWrite"]})
    # The cards' copy boxes, in order (each in a shadow root of its own).
    boxes = browser.execute_script("return [...document.querySelectorAll('*')].filter(e => e.shadowRoot && "
                                   "e.shadowRoot.querySelector('.cite')).map(e => e.shadowRoot)")
    assert len(boxes) >= 3
    first = boxes[0]
    assert first.find_element("css selector", ".text").text == CITATION
    button = first.find_element("css selector", "button")
    assert button.text == "Copy citation"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    time.sleep(0.3)
    assert first.find_element("css selector", ".done").text == "Copied"
    pasted = browser.execute_async_script("const done = arguments[0]; navigator.clipboard.readText()"
                                          ".then(done, e => done('no clipboard: ' + e));")
    assert pasted == CITATION


def test_the_shared_link_reloads_to_the_same_first_card(browser, server):
    browser.get(server + "/?q=" + urllib.request.quote(QUESTION) + "&since=2020-01-01")
    _wait(browser, '[data-testid="stMainBlockContainer"]', text=CITATION)
    _settle(browser)
    body = browser.find_element("css selector", '[data-testid="stMainBlockContainer"]').text
    assert body.index("1.") < body.index(CITATION)
    assert "2016" not in body.split("Weak matches")[0]  # the since filter holds


def test_context_earlier_papers_and_timeline_open_from_a_card(browser, server):
    browser.get(server + "/?q=" + urllib.request.quote(QUESTION))
    _wait(browser, '[data-testid="stMainBlockContainer"]', text=CITATION)
    _settle(browser)
    for label in ("Show context", "Earlier papers"):
        # Each click reruns the script: wait for that run, and find the summaries again, or the
        # second click can land while the first rerun redraws the page and be lost.
        summaries = browser.find_elements("css selector", "details summary")
        next(e for e in summaries if label in e.text).click()
        _settle(browser)
    body = browser.find_element("css selector", '[data-testid="stMainBlockContainer"]').text
    context = body.split("Show context", 1)[1].split("Earlier papers", 1)[0]
    assert "2.22" in context and "2.24" in context  # the neighbours of 2.23
    before = body.split("Earlier papers: what was said before", 1)[1].split("2. ", 1)[0]
    assert "2016" in before or "2019" in before or "2023" in before, before[:500]
    _shot(browser, "search-context.png")
    violations = audit(browser)
    (SHOTS / "axe-search-context.json").write_text(json.dumps(violations, indent=2) + "\n")
    assert violations == [], json.dumps(violations, indent=2)
    next(t for t in browser.find_elements("css selector", '[role="tab"]') if t.text == "Timeline").click()
    _wait(browser, '[data-testid="stVegaLiteChart"], .vega-embed', timeout=60)
    _settle(browser)
    time.sleep(1.5)
    _shot(browser, "timeline.png")
    violations = audit(browser)
    (SHOTS / "axe-timeline.json").write_text(json.dumps(violations, indent=2) + "\n")
    assert violations == [], json.dumps(violations, indent=2)


def test_open_paper_scrolls_to_the_cited_paragraph(browser, server):
    browser.get(server + "/")
    _wait(browser, 'input[aria-label="Ask a question or look up a phrase"]')
    browser.get(server + "/?q=" + urllib.request.quote(QUESTION))
    _wait(browser, '[data-testid="stMainBlockContainer"]', text=CITATION)
    _settle(browser)
    link = next(a for a in browser.find_elements("css selector", '[data-testid="stPageLink-NavLink"]')
                if "Open the whole paper" in a.text)
    link.click()
    _wait(browser, ".csa-cited", timeout=120)
    _settle(browser)
    time.sleep(1)
    cited = browser.find_element("css selector", ".csa-cited")
    assert "2.23" in cited.text
    in_view = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top < window.innerHeight && r.bottom > 0;", cited)
    assert in_view
    _shot(browser, "paper.png")
    violations = audit(browser)
    (SHOTS / "axe-paper.json").write_text(json.dumps(violations, indent=2) + "\n")
    assert violations == [], json.dumps(violations, indent=2)


def test_the_other_pages_pass_the_audit(browser, server):
    for path, name in (("/documents", "documents.png"), ("/meetings", "meetings.png"), ("/add", "add.png")):
        browser.get(server + path)
        _wait(browser, "h1")
        _settle(browser)
        time.sleep(1)
        _shot(browser, name)
        violations = audit(browser)
        (SHOTS / f"axe-{name[:-4]}.json").write_text(json.dumps(violations, indent=2) + "\n")
        assert violations == [], (path, json.dumps(violations, indent=2))


def test_a_pdf_opens_at_the_cited_page_served_by_the_app(browser, server, archive):
    from cs_archive.index.store import Archive

    row = Archive(archive).db.execute("SELECT doc_id, chunk_id, page FROM chunks WHERE section = '3.1' AND "
                                      "doc_id IN (SELECT doc_id FROM papers WHERE source LIKE '%.pdf')").fetchone()
    browser.get(f"{server}/paper?doc={row['doc_id']}&at={urllib.request.quote(row['chunk_id'])}")
    _wait(browser, ".csa-cited", timeout=120)
    _settle(browser)
    tab = next(t for t in browser.find_elements("css selector", '[role="tab"]') if t.text.startswith("Original PDF"))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", tab)
    frame = _wait(browser, 'iframe[title^="The original PDF"]', timeout=60)
    src = frame.get_attribute("src")
    assert f"/original/{row['doc_id']}?expires=" in src and src.endswith(f"#page={row['page']}")
    with urllib.request.urlopen(src.split("#")[0], timeout=10) as r:
        assert r.headers["Content-Type"] == "application/pdf" and r.read() == PDF.read_bytes()
        assert "no-store" in r.headers["Cache-Control"]
    for forged in (src.split("#")[0].replace("sig=", "sig=0"), f"{server}/original/{row['doc_id']}",
                   f"{server}/app/static/papers/{row['doc_id']}.pdf"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code in (403, 404), forged
    time.sleep(3)
    assert browser.execute_script("return arguments[0].contentDocument === null || "
                                  "arguments[0].contentDocument.contentType", frame) in (None, "application/pdf")
    _shot(browser, "paper-pdf.png")
    violations = audit(browser)
    (SHOTS / "axe-paper-pdf.json").write_text(json.dumps(violations, indent=2) + "\n")
    assert violations == [], json.dumps(violations, indent=2)
