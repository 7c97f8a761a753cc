"""The Commitments page driven headlessly (AppTest) on a small archive built with the fast
stand-in model: filters, status at a glance, CSV export."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import SEEDS


def page(folder: str) -> None:
    from cs_archive.ui.pages.commitments import render

    render(folder)


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory):
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    folder = tmp_path_factory.mktemp("ui-cm") / "index"
    ingest([SEEDS / "003_ddbf87d7a7bfc9cf.txt", SEEDS / "000_04b841abd542177e.txt"], folder, HashEmbedder())
    return folder


def run(monkeypatch, folder) -> AppTest:
    monkeypatch.setenv("CS_ARCHIVE_MODEL", "hash")
    at = AppTest.from_function(page, args=(str(folder),), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_register_with_status_at_a_glance_and_csv(monkeypatch, small_archive):
    at = run(monkeypatch, small_archive)
    metrics = {m.label: int(m.value) for m in at.metric}
    assert set(metrics) == {"Followed up", "Open", "Overdue", "Undated"}
    rows = at.dataframe[0].value
    assert sum(metrics.values()) == len(rows) > 0
    assert "The next update will be provided to Cabinet in Summer 2024." in list(rows["commitment"])
    csv_button = at.get("download_button")[0]
    assert csv_button.proto.label == "Download CSV"


def test_filters_narrow_the_register(monkeypatch, small_archive):
    at = run(monkeypatch, small_archive)
    everything = len(at.dataframe[0].value)
    at.selectbox(key="cm_kind").set_value("promise").run()
    at.date_input(key="cm_as_of").set_value("2024-03-01").run()
    assert not at.exception
    rows = at.dataframe[0].value
    assert 0 < len(rows) <= everything and set(rows["kind"]) == {"promise"}
    update = rows[rows["commitment"] == "The next update will be provided to Cabinet in Summer 2024."]
    assert list(update["status"]) == ["Open"]  # no later paper of the council; due in August
    at.selectbox(key="cm_status").set_value("overdue").run()
    assert not at.exception
    if at.dataframe:
        assert set(at.dataframe[0].value["status"]) == {"Overdue"}
    else:
        assert "No commitments match" in at.info[0].value


def test_missing_archive_is_one_plain_sentence(monkeypatch, tmp_path):
    at = run(monkeypatch, tmp_path / "nowhere")
    assert at.error and "cannot be opened" in at.error[0].value and "cs-archive ingest" in at.error[0].value


def test_csv_has_one_row_a_record():
    from cs_archive.ui.pages.commitments import to_csv

    rec = {"status": "open", "kind": "promise", "text": 'A "quoted", text', "owner": None, "due": "2024-08-31",
           "due_text": "in Summer 2024", "date": "2024-01-04", "committee": "Cabinet", "council": "X", "source": "a.txt",
           "section": "9.1", "page": None, "chunk_id": "a:0001", "id": "abc",
           "follow_ups": [{"chunk_id": "b:0002", "source": "b.txt", "date": "2024-09-01", "section": "2", "score": 0.6}]}
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(to_csv([rec]))))
    assert len(rows) == 1 and rows[0]["text"] == 'A "quoted", text' and "b.txt" in rows[0]["follow_ups"]
