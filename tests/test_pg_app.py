"""The commitments register and the UI on PostgreSQL, end to end on a real server: the same
papers in the embedded store and in PostgreSQL give the same commitments and pages
(Streamlit's AppTest driving the real app.py with CS_ARCHIVE_STORE).

The dense arm is the same on both; BM25 is each engine's (Tantivy in the folder store, FTS5's
formula in PostgreSQL: ``tests/test_store_contract.py``), so what a search decides (a
commitment's follow-ups and so its status, the order of close hits) agrees nearly, not exactly."""
from __future__ import annotations

import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from conftest import SEEDS
from test_app import cards
from test_app import run_app as run_test_app


@pytest.fixture
def both(cli, hash_env, pg_url, tmp_path):
    """seeds/ ingested with the hash embedder into a folder and into PostgreSQL, through the CLI."""
    papers = tmp_path / "papers"
    shutil.copytree(SEEDS, papers)
    folder = tmp_path / "index"
    for where in (["--index", folder], ["--store", pg_url]):
        r = cli("ingest", papers, *where)
        assert r.code == 0 and "5 added" in r.err, r.err
    return folder, pg_url


def alike(folder_records: list[dict], pg_records: list[dict]) -> None:
    """The same commitments (every field but what a search decides), and the same follow-ups
    and status for nearly all of them."""
    a, b = ({r["id"]: r for r in rs} for rs in (folder_records, pg_records))
    shared = a.keys() & b.keys()
    assert len(shared) >= 0.9 * len(a.keys() | b.keys())

    def searched(r):
        return r["status"], [f["chunk_id"] for f in r["follow_ups"]]

    rest = [{k: v for k, v in a[i].items() if k not in ("status", "follow_ups")} for i in sorted(shared)]
    assert rest == [{k: v for k, v in b[i].items() if k not in ("status", "follow_ups")} for i in sorted(shared)]
    assert sum(searched(a[i]) == searched(b[i]) for i in shared) >= 0.9 * len(shared)


def test_commitments_are_the_same_on_both_backends(cli, both):
    folder, url = both
    for args in (["--json", "--as-of", "2025-06-01"], ["--as-of", "2025-06-01"],
                 ["--json", "--as-of", "2024-03-01", "--kind", "action", "--committee", "cabinet"],
                 ["--json", "--since", "2019-01-01", "--until", "2023-12-31", "--status", "overdue"]):
        on_folder = cli("commitments", *args, "--index", folder)
        on_pg = cli("commitments", *args, "--store", url)
        assert on_folder.code == on_pg.code == 0, on_pg.err
        if "--json" in args:
            alike(on_folder.json(), on_pg.json())
    records = cli("commitments", "--json", "--as-of", "2025-06-01", "--store", url).json()
    assert records and {r["kind"] for r in records} == {"action", "decision", "promise"}


@pytest.mark.model
def test_commitments_with_follow_ups_are_the_same_after_migrate(cli, seed_index, pg_url, real_env):
    """The real model finds follow-ups; PostgreSQL finds nearly all the same ones."""
    assert cli("migrate", "--from", f"faiss://{seed_index}", "--to", pg_url).code == 0
    on_folder = cli("commitments", "--json", "--as-of", "2025-06-01", "--index", seed_index)
    on_pg = cli("commitments", "--json", "--as-of", "2025-06-01", "--store", pg_url)
    assert on_folder.code == on_pg.code == 0, on_pg.err
    alike(on_folder.json(), on_pg.json())
    assert any(r["follow_ups"] for r in on_pg.json())


def run_app(monkeypatch, store, page: str | None = None, **params) -> AppTest:
    return run_test_app(monkeypatch, store, page, env="CS_ARCHIVE_STORE", **params)


def test_the_search_page_shows_results_from_postgresql(monkeypatch, both):
    folder, url = both
    query = {"q": "children in care", "committee": "Cabinet", "since": "2019-01-01"}
    on_pg = run_app(monkeypatch, url, **query)
    found = cards(on_pg)
    assert found and all("Cabinet ·" in c for c in found)
    assert not on_pg.error
    on_folder = cards(run_app(monkeypatch, folder, **query))
    unranked = lambda cs: {re.sub(r"^\*\*\d+\. ", "", c) for c in cs}  # noqa: E731 (a card opens with its rank)
    assert on_folder[0] == found[0] and len(unranked(on_folder) & unranked(found)) >= 0.7 * len(found)
    # the sidebar's choices and the welcome line come from the store too
    assert "Cabinet" in on_pg.selectbox(key="w_committee").options
    welcome = run_app(monkeypatch, url)
    assert any("The archive holds" in m.value and "meetings from" in m.value for m in welcome.markdown)


def test_the_other_pages_open_on_postgresql(monkeypatch, both):
    _, url = both
    docs = run_app(monkeypatch, url, page="documents")
    assert not docs.error and len(docs.dataframe[0].value) >= 5
    meetings = run_app(monkeypatch, url, page="meetings")
    assert not meetings.error


def test_the_commitments_page_reads_postgresql(monkeypatch, both):
    folder, url = both

    def page(location: str) -> None:
        from cs_archive.ui.pages.commitments import render

        render(location)

    shown = {}
    for where in (url, str(folder)):
        at = AppTest.from_function(page, args=(where,), default_timeout=180)
        at.run()
        assert not at.exception and not at.error, (at.exception, at.error)
        shown[where] = ({m.label: m.value for m in at.metric}, list(at.dataframe[0].value["commitment"]))
    (pg_counts, pg_rows), (folder_counts, folder_rows) = shown[url], shown[str(folder)]
    assert sorted(pg_rows) == sorted(folder_rows) and pg_rows
    assert pg_counts.keys() == folder_counts.keys()
    assert all(abs(int(pg_counts[k]) - int(folder_counts[k])) <= 0.05 * len(pg_rows) + 1 for k in pg_counts)


def test_a_missing_postgresql_archive_is_one_sentence(monkeypatch, hash_env, pg_url):
    at = run_app(monkeypatch, pg_url)
    assert [e.value for e in at.error] and "There is no archive at postgresql://" in at.error[0].value
