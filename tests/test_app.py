"""The search page driven headlessly through Streamlit's AppTest, on the real seed archive."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(monkeypatch, index, **params) -> AppTest:
    monkeypatch.setenv("CS_ARCHIVE_INDEX", str(index))
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.model
def test_shared_link_runs_the_search_and_cites_the_paragraph(monkeypatch, seed_index):
    at = run_app(monkeypatch, seed_index, q="how many children are in care per 10,000")
    first = next(m.value for m in at.markdown if m.value.startswith("**1."))
    assert "Cabinet · 4 January 2024 · Children's Services Update · para 2.23" in first
    assert at.text_input[0].value == "how many children are in care per 10,000"
    assert at.query_params["q"] == ["how many children are in care per 10,000"] or \
        at.query_params["q"] == "how many children are in care per 10,000"


@pytest.mark.model
def test_filters_come_from_the_url(monkeypatch, seed_index):
    at = run_app(monkeypatch, seed_index, q="children in care", until="2019-12-31")
    cards = [m.value for m in at.markdown if m.value.startswith("**")]
    assert cards and not any("2023" in c or "2024" in c for c in cards)


@pytest.mark.model
def test_off_topic_question_says_no_confident_match(monkeypatch, seed_index):
    at = run_app(monkeypatch, seed_index, q="spaceship koala")
    assert any("No confident match" in w.value for w in at.warning)
    assert any("(weak match)" in m.value for m in at.markdown)


def test_missing_archive_is_one_plain_sentence(monkeypatch, tmp_path):
    at = run_app(monkeypatch, tmp_path / "nowhere")
    assert at.error and "cannot be opened" in at.error[0].value
    assert "cs-archive ingest" in at.error[0].value or "make index" in at.info[0].value


def test_paper_text_is_escaped():
    from cs_archive.render import passage_html

    out = passage_html("<script>alert(1)</script> **bold** [x](javascript:alert(1)) "
                       "<img src=x onerror=alert(1)> ![i](http://evil/x.png) O'Brien", ["O'Brien"])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&#42;&#42;bold&#42;&#42;" in out and "&#91;x&#93;" in out
    assert "&#33;&#91;i&#93;" in out
    assert "<mark>O'Brien</mark>" in out
