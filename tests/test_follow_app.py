"""The Following page and the search page's "Follow this search", driven headlessly through
Streamlit's AppTest (the real app script, the HashEmbedder, the clerk of this computer)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import open_page
from test_follow import ANSWER, CITATION, OLD, OTHER, QUERY

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def archive(tmp_path, hash_env, monkeypatch) -> Path:
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "highways.txt").write_text(OLD)
    ingest([tmp_path / "old"], tmp_path / "index", get_embedder())
    monkeypatch.setenv("CS_ARCHIVE_INDEX", str(tmp_path / "index"))
    monkeypatch.delenv("CS_ARCHIVE_BASE_URL", raising=False)
    return tmp_path / "index"


def _app(page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page:
        at.run()
        open_page(at, page)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _ingest_news(archive: Path, tmp_path: Path) -> None:
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    new = tmp_path / "new"
    new.mkdir()
    (new / "fostering.txt").write_text(ANSWER)
    (new / "parking.txt").write_text(OTHER)
    ingest([new], archive, get_embedder())


def test_follow_this_search_saves_its_words_and_filters(archive):
    from cs_archive import follow

    at = _app(q=QUERY, committee="children")
    form = {t.label: t for t in at.text_input}
    form["Name it"].input("fostering")
    form["E-mail new passages to (leave empty for none)"].input("jo@example.org")
    next(b for b in at.button if b.label == "Follow").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Following “fostering”" in s.value for s in at.success), [e.value for e in at.error]
    [f] = follow.follows(archive)
    assert (f.name, f.query, f.filters, f.email, f.every, f.role.value) == (
        "fostering", QUERY, {"committee": "children"}, "jo@example.org", "daily", "clerk")


def test_the_following_page_counts_what_is_new_since_the_last_visit(archive, tmp_path):
    from cs_archive import follow
    from cs_archive.access import Role

    at = _app("following")
    assert any("You follow no searches yet" in i.value for i in at.info)
    follow.add(archive, "fostering", QUERY, {}, Role.CLERK)
    _ingest_news(archive, tmp_path)

    at = _app("following")
    assert at.radio[0].options == ["fostering (1 new)"]
    assert any(CITATION in m.value for m in at.markdown)
    assert any(m.value.startswith("**New** · first seen") for m in at.markdown)
    at = _app("following")  # a later visit: nothing new since
    assert at.radio[0].options == ["fostering"]
    assert any(CITATION in m.value for m in at.markdown)


def test_the_following_page_changes_e_mails_and_the_feed_address_and_stops_following(archive):
    from cs_archive import follow
    from cs_archive.access import Role

    follow.add(archive, "fostering", QUERY, {}, Role.CLERK)
    before = follow.follows(archive)[0]
    at = _app("following")
    assert any(before.feed_token in m.value for m in at.markdown)

    form = {t.label: t for t in at.text_input}
    form["E-mail new passages to (leave empty for none)"].input("jo@example.org")
    at.radio[1].set_value("weekly")
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.exception, at.exception
    [f] = follow.follows(archive)
    assert (f.email, f.every) == ("jo@example.org", "weekly")

    next(b for b in at.button if b.label == "New feed address").click()
    at.run()
    [f] = follow.follows(archive)
    assert f.feed_token != before.feed_token and any(f.feed_token in m.value for m in at.markdown)

    next(b for b in at.button if b.label == "Stop following").click()
    at.run()
    assert not at.exception, at.exception
    assert follow.follows(archive) == []
    assert any("You follow no searches yet" in i.value for i in at.info)
