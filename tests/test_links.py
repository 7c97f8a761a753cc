"""Shared links (``/?q=…&since=…``) carrying what the search page cannot use: it says which
parameter it ignored and what it wants, and searches without it; a query beyond the library's
size limits is one sentence, never "Something went wrong". The hash embedder, one seed."""
from __future__ import annotations

import pytest

from conftest import SEEDS
from test_app import cards, qp, run_app


@pytest.fixture
def archive(tmp_path, hash_env):
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    index = tmp_path / "index"
    assert not ingest([next(SEEDS.glob("004_*.txt"))], index, HashEmbedder()).failed
    return index


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


@pytest.mark.parametrize("name,value", [("since", "notadate"), ("until", "2024-13-01"), ("since", "04/01/2024"),
                                        ("until", "1900-01-01")])
def test_a_bad_date_in_a_link_is_named_and_the_search_runs_without_it(monkeypatch, archive, name, value):
    at = run_app(monkeypatch, archive, q="children in care", **{name: value})
    said = [w for w in _warnings(at) if f"{name}={value}" in w]
    assert said == [f"The link's {name}={value} is not a date the search can use, so it is left out: write it "
                    "as YYYY-MM-DD, e.g. 2024-01-04."]
    assert cards(at) == cards(run_app(monkeypatch, archive, q="children in care"))
    assert qp(at, name) is None and not at.error  # the address now says what was searched


def test_a_good_date_in_a_link_is_used_without_a_warning(monkeypatch, archive):
    at = run_app(monkeypatch, archive, q="children in care", until="1999-12-31")
    assert not any("link's" in w for w in _warnings(at)) and qp(at, "until") == "1999-12-31" and not cards(at)


def test_a_query_beyond_the_size_limits_is_one_sentence(monkeypatch, archive):
    at = run_app(monkeypatch, archive, q=" ".join(f'"care {i}"' for i in range(30)))
    assert [w for w in _warnings(at) if "quoted phrases" in w] == [
        "The query has 30 quoted phrases (at most 20). Shorten it to the words that matter, and quote only the "
        "phrases that must appear exactly."]
    assert not at.error and not cards(at)
