"""Sign-in and roles, end to end: `streamlit run app.py` with sign-in configured against a real
OpenID Connect provider (oidc-provider-mock, on a free localhost port in this process), driven
by headless Chromium. An archive of two papers, one of them not for publication (Schedule 12A),
built with the fast hash embedder. In turn: a visitor who does not sign in (public), a
councillor (member, by the provider's groups claim) and a clerk (by e-mail address); each sees
exactly what the role allows. Then the same rules through the real script without a browser
(AppTest): without sign-in, bound to this computer its one user is a clerk, bound to every
interface it is public and says so; settings that cannot be used make everyone public; a
signed-in user's claims decide their role.

The app's settings reach it as a temporary secrets.toml named by `--secrets.files`: nothing is
written into the checkout. Needs /usr/bin/chromium, /usr/bin/chromedriver, selenium and
oidc-provider-mock (`make setup`); skips with the reason when one is absent.
"""
from __future__ import annotations

import importlib.util
import secrets
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

from conftest import free_port, open_page, streamlit_app

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
PUBLIC_TITLE = "Library opening hours"
EXEMPT_TITLE = "Riverside depot commercial terms"
EXEMPT_FIGURE = "1,234,567"
NOT_FOR_PUBLICATION = "not for publication"  # access.NOT_FOR_PUBLICATION, compared without case
PAPERS = {
    "library-hours.txt": f"Report to Cabinet\n\nDate: 4 January 2024\n\nTitle: {PUBLIC_TITLE}\n\n1. Purpose\n\n"
                         "1.1 This report proposes longer library opening hours at the Riverside branch.\n",
    "depot-terms.txt": f"Report to Cabinet\n\nDate: 4 January 2024\n\nTitle: {EXEMPT_TITLE}\n\nNOT FOR PUBLICATION\n\n"
                       "By virtue of Paragraph 3 of Part 1 of Schedule 12A of the Local Government Act 1972\n\n"
                       f"1. Purpose\n\n1.1 The preferred bidder for the Riverside depot offered £{EXEMPT_FIGURE}.\n",
}
# The provider's users (sub: claims) and the app's rules for them.
# The provider (a test tool) calls Authlib APIs Authlib has deprecated; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")
USERS = {
    "councillor": {"email": "ann.smith@council.example", "email_verified": True, "name": "Cllr Ann Smith",
                   "groups": ["councillors"]},
    "clerk": {"email": "jo.clerk@council.example", "email_verified": True, "name": "Jo Clerk",
              "groups": ["staff"]},
}
ROLES = '[roles]\nclerk = ["jo.clerk@council.example"]\nmember = ["group:councillors"]\ngroups_claim = "groups"\n'


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "Chromium is not installed (/usr/bin/chromium, /usr/bin/chromedriver): run `make setup` as root"
    for module, package in (("selenium", "selenium"), ("oidc_provider_mock", "oidc-provider-mock"),
                            ("authlib", "Authlib")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed: run `make setup`"
    return None


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, str]:
    """The archive's folder, and the id of its paper not for publication."""
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers = tmp_path_factory.mktemp("signin") / "papers"
    papers.mkdir()
    for name, text in PAPERS.items():
        (papers / name).write_text(text, encoding="utf-8")
    index = papers.parent / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CS_ARCHIVE_MODEL", "hash")
        get_embedder.cache_clear()
        report = ingest([papers], index, get_embedder())
        get_embedder.cache_clear()
    assert len(report.added) == 2 and [Path(s).name for s, _, _ in report.exempt] == ["depot-terms.txt"]
    return index, report.exempt[0][1]


@pytest.fixture(scope="module")
def provider():
    """The OpenID Connect provider: its URL (on localhost, so that its cookies are not the
    app's, on 127.0.0.1)."""
    if reason := _missing():
        pytest.skip(reason)
    import authlib.deprecate  # noqa: F401 (imported first: importing it turns its warnings to "always")

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "authlib.jose module is deprecated")
        from oidc_provider_mock import User, run_server_in_thread

    with run_server_in_thread(user_claims=[User(sub=sub, claims=claims) for sub, claims in USERS.items()]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def server(archive, provider, tmp_path_factory):
    """The app on 127.0.0.1 with sign-in configured: its URL."""
    port = free_port()
    folder = tmp_path_factory.mktemp("signin-app")
    settings = folder / "secrets.toml"
    settings.write_text(
        f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\nclient_id = "cs-archive"\nclient_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n\n{ROLES}', encoding="utf-8")
    settings.chmod(0o600)
    env = {"CS_ARCHIVE_INDEX": str(archive[0]), "CS_ARCHIVE_MODEL": "hash", "CS_ARCHIVE_UPLOADS": str(folder / "uploads")}
    with streamlit_app(port, env, folder / "server.log", "--secrets.files", str(settings), drop=("CS_ARCHIVE_STORE",),
                       echo_log=True) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100",
                "--disable-gpu"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    yield driver
    driver.quit()


def _until(driver, condition, timeout: float = 60, message: str = ""):
    """Wait for ``condition(driver)``; elements gone stale while a page is replaced are tried again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.25,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)


def _settle(driver) -> None:
    """Wait until Streamlit has drawn the page and finished running the script."""
    time.sleep(0.5)
    _until(driver, lambda d: d.find_elements("css selector", '[data-testid="stMainBlockContainer"] h1')
           and not d.find_elements("css selector", '[data-testid="stStatusWidget"]'), message="the page to settle")
    time.sleep(0.5)


def _open(driver, url: str) -> None:
    driver.get(url)
    _settle(driver)


def _text(driver, where: str = "body") -> str:
    """All text of the page (textContent: what collapsed expanders hold too), with the cells of
    any table (st.dataframe draws on a canvas; its cells are in an accessible grid beside it)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : ''",
                                 where) or ""  # '' while the page is still being replaced


def _sidebar(driver) -> str:
    return _text(driver, '[data-testid="stSidebar"]')


def _main(driver) -> str:
    """The page's own text, without the sidebar (whose switch is labelled "not for publication")."""
    return _text(driver, '[data-testid="stMain"]')


def _line_with(driver, words: str) -> str:
    """The text of the first paragraph (markdown block) holding ``words``."""
    found = driver.find_elements("xpath", f'//*[@data-testid="stMarkdownContainer"][contains(., "{words}")]')
    return found[0].get_attribute("textContent") if found else ""


def _nav(driver) -> list[str]:
    """The pages in the sidebar's navigation (a link's text: its icon's name, then its title)."""
    links = driver.find_elements("css selector", '[data-testid="stSidebarNav"] a')
    return [a.text.strip().splitlines()[-1] for a in links]


def _button(driver, label: str, where: str = "//*"):
    return _until(driver, lambda d: next((b for b in d.find_elements("xpath", f'{where}//button')
                                          if b.text.strip() == label and b.is_displayed()), None),
                  message=f'a button "{label}"')


def _include_exempt(driver) -> bool:
    """Turn on the switch that shows papers not for publication, when the page has one."""
    for box in driver.find_elements("css selector", "label"):
        if NOT_FOR_PUBLICATION in box.text.lower() and box.is_displayed():
            box.click()
            _settle(driver)
            return True
    return False


def _headers(driver) -> list[str]:
    return [h.text.strip() for h in driver.find_elements("css selector", '[data-testid="stMainBlockContainer"] h2')]


def _sign_in(driver, server: str, sub: str, name: str) -> None:
    _open(driver, server + "/")
    _button(driver, "Sign in", '//*[@data-testid="stSidebar"]').click()
    # The provider's page: one button for each of its users.
    user = _until(driver, lambda d: d.find_elements("css selector", f'button[name="sub"][value="{sub}"]'),
                  message="the provider's sign-in page")
    user[0].click()
    _until(driver, lambda d: d.current_url.startswith(server), message="back at the app")
    _until(driver, lambda d: f"Signed in as {name}" in _sidebar(d), message=f"{name} signed in")
    _settle(driver)


def _sign_out(driver, server: str) -> None:
    _button(driver, "Sign out", '//*[@data-testid="stSidebar"]').click()
    # The provider ends its own session too (its end_session_endpoint), then sends us back.
    _button(driver, "End session").click()
    _until(driver, lambda d: d.current_url.startswith(server), message="back at the app")
    _settle(driver)
    _button(driver, "Sign in", '//*[@data-testid="stSidebar"]')


def test_each_role_sees_exactly_what_it_may(browser, server, archive):
    exempt_paper = f"{server}/paper?doc={archive[1]}"
    # A visitor who does not sign in: public and read-only.
    _open(browser, server + "/meetings")
    assert "Public, read-only archive" in _sidebar(browser)
    assert "Add papers" not in _nav(browser) and "Documents" in _nav(browser)
    assert not _include_exempt(browser)  # no switch to ask for exempt papers
    text = _text(browser)
    assert PUBLIC_TITLE in text and EXEMPT_TITLE not in text
    _open(browser, server + "/documents")
    assert not _include_exempt(browser)
    text = _text(browser)
    assert "read-only" in text.lower() and EXEMPT_TITLE not in text and EXEMPT_FIGURE not in text
    assert "Correct a paper's details" not in _headers(browser)
    _open(browser, exempt_paper)  # a link to it, shared by someone who may read it
    text = _text(browser)
    assert EXEMPT_TITLE not in text and EXEMPT_FIGURE not in text
    _open(browser, server + "/add")  # not a page of theirs: the app shows its first page instead
    assert not browser.find_elements("css selector", '[data-testid="stFileUploader"]')

    # A councillor, a member by the provider's groups claim: exempt papers, marked as such.
    _sign_in(browser, server, "councillor", "Cllr Ann Smith")
    assert "(member" in _sidebar(browser)
    assert "Add papers" not in _nav(browser)
    _open(browser, server + "/meetings")
    assert EXEMPT_TITLE not in _text(browser)  # until they switch it on
    assert _include_exempt(browser)
    assert PUBLIC_TITLE in _main(browser)
    assert NOT_FOR_PUBLICATION in _line_with(browser, EXEMPT_TITLE).lower()
    assert NOT_FOR_PUBLICATION not in _line_with(browser, PUBLIC_TITLE).lower()
    _open(browser, server + "/documents")
    assert _include_exempt(browser)
    text = _main(browser)  # its table's cells: so the public's check of this page is not vacuous
    assert EXEMPT_TITLE in text and NOT_FOR_PUBLICATION in text.lower()
    assert "Correct a paper's details" not in _headers(browser)
    _open(browser, exempt_paper)
    assert _include_exempt(browser)
    text = _main(browser)
    assert EXEMPT_FIGURE in text and NOT_FOR_PUBLICATION in text.lower()
    _sign_out(browser, server)
    assert EXEMPT_TITLE not in _text(browser)

    # A clerk, by e-mail address: the Add papers page and the correction form.
    _sign_in(browser, server, "clerk", "Jo Clerk")
    assert "(clerk" in _sidebar(browser)
    assert "Add papers" in _nav(browser)
    _open(browser, server + "/add")
    assert browser.find_elements("css selector", '[data-testid="stFileUploader"]')
    _open(browser, server + "/documents")
    assert "Correct a paper's details" in _headers(browser)
    _sign_out(browser, server)
    assert "Add papers" not in _nav(browser)


# The same rules through the real script without a browser (AppTest): without sign-in the
# address decides; settings that cannot be used fail closed; a signed-in user's claims decide.

SETTINGS = {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "k" * 43,
                     "client_id": "cs-archive", "client_secret": "s",
                     "server_metadata_url": "http://localhost:1/.well-known/openid-configuration"},
            "roles": {"clerk": ["jo.clerk@council.example"], "member": ["group:councillors"]}}


@pytest.fixture
def app_as(archive, monkeypatch):
    """Run app.py headlessly as if `streamlit run app.py --server.address ADDRESS`, with these
    settings (none: no sign-in) and this st.user: returns the AppTest."""
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CS_ARCHIVE_INDEX", str(archive[0]))
    monkeypatch.setenv("CS_ARCHIVE_MODEL", "hash")
    monkeypatch.delenv("CS_ARCHIVE_STORE", raising=False)
    before = config.get_option("server.address")

    def run(address: str = "127.0.0.1", settings: dict | None = None, user: dict | None = None) -> AppTest:
        config.set_option("server.address", address)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.secrets = settings or {"roles": {}}  # never a settings file of this machine's
        at.user = user or {}
        at.run()
        assert not at.exception, at.exception
        return at

    yield run
    config.set_option("server.address", before)


def _sidebar_says(at) -> str:
    """The sidebar's notes, errors and buttons, as one line."""
    import re

    notes = [re.sub(r"<[^>]+>", "", m.value) for m in at.sidebar.markdown]
    return " ".join(notes + [e.value for e in at.sidebar.error] + [b.label for b in at.sidebar.button])


def _has_add_page(at) -> bool:
    try:
        open_page(at, "add")
    except ValueError as e:  # not in the navigation
        assert "Could not find a navigation page" in str(e)
        return False
    at.run()
    return bool(at.get("file_uploader"))


def test_without_sign_in_the_local_user_is_a_clerk(app_as):
    at = app_as("127.0.0.1")
    assert "On this computer only" in _sidebar_says(at)
    assert _has_add_page(at)


def test_without_sign_in_on_every_interface_the_archive_is_public_and_read_only(app_as):
    at = app_as("0.0.0.0")
    assert "Public, read-only archive" in _sidebar_says(at)
    assert not _has_add_page(at)


@pytest.mark.parametrize("user,says,add", [
    ({"is_logged_in": False}, "Public, read-only archive. Sign in to see more. Sign in", False),
    ({"is_logged_in": True, "email": "ann@council.example", "name": "Ann", "groups": ["councillors"]},
     "Signed in as Ann (member: also papers not for publication) Sign out", False),
    ({"is_logged_in": True, "email": "jo.clerk@council.example", "name": "Jo Clerk"},
     "Signed in as Jo Clerk (clerk: can add, correct and remove papers) Sign out", True),
    ({"is_logged_in": True, "email": "jo.clerk@council.example", "email_verified": False},
     "Signed in as jo.clerk@council.example (public: read-only) Sign out", False),
], ids=["not signed in", "member", "clerk", "unverified address"])
def test_with_sign_in_the_signed_in_users_claims_decide(app_as, user, says, add):
    at = app_as("127.0.0.1", SETTINGS, user)  # on this computer, yet no one is a clerk unsigned
    assert says in _sidebar_says(at)
    assert _has_add_page(at) is add


def test_unusable_settings_make_everyone_public(app_as):
    weak = {**SETTINGS, "auth": {**SETTINGS["auth"], "cookie_secret": "CHANGE-ME"}}
    at = app_as("127.0.0.1", weak, {"is_logged_in": True, "email": "jo.clerk@council.example"})
    assert "Sign-in is off, and the archive public and read-only" in _sidebar_says(at)
    assert "cookie_secret" in _sidebar_says(at) and not at.sidebar.button
    assert not _has_add_page(at)
