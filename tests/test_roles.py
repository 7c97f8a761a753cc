"""What each role sees in the app, page by page, over an archive holding one public paper and one
marked exempt from publication (Schedule 12A): a public visitor never gets any of the exempt
paper (its text, title, committee, date, file name), whatever page or link they open; a member
sees it only after switching it on, marked "Not for publication" everywhere; only a clerk adds
or corrects papers. The viewer is set by replacing ``ui.auth.viewer`` (how a viewer gets a role
is tested in tests/test_access.py and, signed in through a real OpenID provider, in
tests/test_signin_e2e.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import open_page

from cs_archive.access import Role, Viewer
from cs_archive.embed import HashEmbedder
from cs_archive.index.store import Archive
from cs_archive.ingest import ingest

ROOT = Path(__file__).resolve().parents[1]
SECRET_TEXT = "The preferred bidder for the Riverside depot offered £1,234,567"
SECRET_WORDS = ("1,234,567", "Riverside Depot Terms", "Property Board", "2019", "secret.txt")


@pytest.fixture
def archive(tmp_path, hash_env, monkeypatch) -> tuple[Path, str, str]:
    """(index, the exempt paper's doc_id, one of its chunk ids)."""
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "public.txt").write_text(
        "Report to Cabinet\n\nDate: 4 January 2024\n\nTitle: Library opening hours\n\n1. Purpose\n\n"
        "1.1 This report proposes longer library opening hours at the Riverside branch.\n", encoding="utf-8")
    (folder / "secret.txt").write_text(
        "Report to Property Board\n\nDate: 9 May 2019\n\nTitle: Riverside Depot Terms\n\nNOT FOR PUBLICATION\n\n"
        "By virtue of Paragraph 3 of Part 1 of Schedule 12A of the Local Government Act 1972\n\n1. Purpose\n\n"
        f"1.1 {SECRET_TEXT} for the library and depot site.\n", encoding="utf-8")
    index = tmp_path / "index"
    report = ingest([folder], index, HashEmbedder())
    assert len(report.added) == 2 and len(report.exempt) == 1
    a = Archive(index, exempt=True)
    doc, chunk = a.db.execute("SELECT doc_id, chunk_id FROM chunks WHERE text LIKE '%1,234,567%'").fetchone()
    a.close()
    monkeypatch.setenv("CS_ARCHIVE_INDEX", str(index))
    return index, doc, chunk


def as_viewer(monkeypatch, role: Role) -> None:
    from cs_archive.ui import auth

    monkeypatch.setattr(auth, "viewer", lambda: Viewer(role, email=f"{role.value}@council.example",
                                                       signed_in=role is not Role.PUBLIC))


def app(page: str | None = None, exempt_on: bool = False, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if exempt_on:
        at.session_state["w_exempt"] = True
    at.run()
    if page:
        open_page(at, page)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    """Everything the page holds for the browser: every element's message, as text."""
    return "\n".join(str(node.proto) for node in _walk(at._tree) if getattr(node, "proto", None) is not None)


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def assert_nothing_secret(at: AppTest) -> None:
    text = shown(at)
    for word in SECRET_WORDS:
        assert word not in text, word


PUBLIC_VISITS = [("search", {}), ("search", {"q": "preferred bidder Riverside depot"}),
                 ("search", {"q": '"preferred bidder"'}), ("meetings", {}), ("documents", {}), ("paper", {}),
                 ("paper", {"doc": "DOC"}), ("paper", {"doc": "DOC", "at": "CHUNK"}), ("commitments", {}),
                 ("following", {})]


def test_every_page_is_visited():
    """Issue 21: every page the app wires is walked above (a new page fails here until it is)."""
    import re

    wired = set(re.findall(r'url_path="(\w+)"', (ROOT / "app.py").read_text()))
    assert wired - {"add"} == {page for page, _ in PUBLIC_VISITS}  # add: never a public page (tested below)


@pytest.mark.parametrize("page,params", PUBLIC_VISITS, ids=[f"{p}{sorted(q)}" for p, q in PUBLIC_VISITS])
def test_a_public_visitor_gets_nothing_of_an_exempt_paper_on_any_page(archive, monkeypatch, page, params):
    index, doc, chunk = archive
    as_viewer(monkeypatch, Role.PUBLIC)
    params = {k: v.replace("DOC", doc).replace("CHUNK", chunk) for k, v in params.items()}
    at = app(page, exempt_on=True, **params)  # even with the switch's state forced on
    assert_nothing_secret(at)
    assert not at.sidebar.toggle  # no switch to offer


def test_a_public_visitor_sees_one_paper_its_dates_and_committees(archive, monkeypatch):
    as_viewer(monkeypatch, Role.PUBLIC)
    at = app("search")
    assert "holds 1 papers, meetings from 4 January 2024 to 4 January 2024" in shown(at)
    committees = next(s for s in at.sidebar.selectbox if s.label == "Committee").options
    assert "Property Board" not in committees


def test_a_public_visitor_cannot_add_or_correct_papers(archive, monkeypatch, tmp_path):
    as_viewer(monkeypatch, Role.PUBLIC)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app("add")  # not in the menu, nor at its address
    at = app("documents")
    assert not at.text_input and not at.button and "read-only" in shown(at)
    assert not (tmp_path / "papers" / "manifest.csv").exists()


def test_a_member_sees_an_exempt_paper_only_when_switched_on_and_marked(archive, monkeypatch):
    index, doc, chunk = archive
    as_viewer(monkeypatch, Role.MEMBER)
    off = app("paper", doc=doc)
    assert_nothing_secret(off)
    assert [t.label for t in off.sidebar.toggle] and not off.sidebar.toggle[0].value
    at = app("paper", exempt_on=True, doc=doc, at=chunk)
    text = shown(at)
    assert "1,234,567" in text and "Riverside Depot Terms" in text
    assert any("Not for publication" in e.value for e in at.error)
    found = app("search", exempt_on=True, q='"preferred bidder"')
    cards = [m.value for m in found.markdown if m.value.startswith("**1.")]
    assert cards and cards[0].rstrip("*").endswith("Not for publication**") or "Not for publication" in cards[0]
    meetings = shown(app("meetings", exempt_on=True))
    assert "Riverside Depot Terms" in meetings and "Not for publication" in meetings
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app("add")  # members read; they do not add


def test_a_clerk_adds_and_corrects_papers(archive, monkeypatch):
    as_viewer(monkeypatch, Role.CLERK)
    assert app("add").get("file_uploader")
    at = app("documents")
    assert any(h.value.startswith("Correct a paper") for h in at.header)
    assert_nothing_secret(at)  # a clerk too sees exempt papers only with the switch on
    assert "secret.txt" in shown(app("documents", exempt_on=True))
