"""Every public library function and every CLI command, walked over an archive holding one
public paper and one marked exempt from publication: none of them returns the exempt paper
unless it was opened for exempt papers (the rule lives in the reader, index/base.py "Access").

The walk is complete by construction: a public function added to ``explore``, ``search`` or
the commitments register, or a command added to the CLI, fails here until it is walked too.
Every UI page is walked per role in tests/test_roles.py; saved searches' news, feeds and
digests in tests/test_follow.py."""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from cs_archive import explore, search as search_module
from cs_archive.cli import COMMANDS
from cs_archive.commitments import register as register_module
from cs_archive.embed import HashEmbedder
from cs_archive.index import open_archive
from cs_archive.ingest import ingest
from cs_archive.search import Filters, search

SECRET = "£1,234,567"
SECRET_WORDS = (SECRET, "1,234,567", "Riverside Depot Terms", "Property Board", "2019-05-09", "secret.txt")


@pytest.fixture
def archive(tmp_path, hash_env) -> tuple[Path, str, str]:
    """(index, the exempt paper's doc_id, one of its chunk ids)."""
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "public.txt").write_text(
        "Minutes of the Cabinet\n\nDate: 4 January 2024\n\nTitle: Library opening hours\n\n1. Purpose\n\n"
        "1.1 This report proposes longer library opening hours at the Riverside branch.\n\n"
        "2. Decision\n\nRESOLVED that the library opening hours at the Riverside branch be extended.\n",
        encoding="utf-8")
    (folder / "secret.txt").write_text(
        "Minutes of the Property Board\n\nDate: 9 May 2019\n\nTitle: Riverside Depot Terms\n\nNOT FOR PUBLICATION\n\n"
        "By virtue of Paragraph 3 of Part 1 of Schedule 12A of the Local Government Act 1972\n\n1. Purpose\n\n"
        f"1.1 The preferred bidder for the Riverside depot and library site offered {SECRET}.\n\n2. Decision\n\n"
        f"RESOLVED that the Riverside depot be sold to the preferred bidder for {SECRET}.\n", encoding="utf-8")
    index = tmp_path / "index"
    report = ingest([folder], index, HashEmbedder())
    assert len(report.added) == 2 and len(report.exempt) == 1
    with_exempt = open_archive(index, exempt=True)
    hits = search(with_exempt, HashEmbedder(), '"preferred bidder"', filters=Filters(include_exempt=True))
    with_exempt.close()
    assert hits and SECRET in hits[0].text  # it is there, for a reader that may see it
    return index, hits[0].doc_id, hits[0].chunk_id


def _public(module) -> set[str]:
    return {name for name, f in inspect.getmembers(module, inspect.isfunction)
            if f.__module__ == module.__name__ and not name.startswith("_")}


def _calls(reader, doc: str, chunk: str) -> dict[str, object]:
    """Each public function, called as its callers would, aimed at the exempt paper."""
    emb = HashEmbedder()
    asked = Filters(include_exempt=True)  # a filter asks; the reader decides
    hits = search(reader, emb, "Riverside depot preferred bidder library", k=20, filters=asked)
    calls = {
        # explore
        "hit_of": lambda: None,  # turns a row the reader gave into a Hit: it reads nothing itself
        "passage": lambda: explore.passage(reader, chunk),
        "context": lambda: explore.context(reader, chunk, 3),
        "paper_passages": lambda: explore.paper_passages(reader, doc),
        "paper_info": lambda: explore.paper_info(reader, doc),
        "papers": lambda: explore.papers(reader),
        "catalogue": lambda: explore.catalogue(reader),
        "meetings": lambda: explore.meetings(reader),
        "distinct": lambda: [explore.distinct(reader, c) for c in ("committee", "council", "doc_type")],
        "topics_in": lambda: explore.topics_in(reader),
        "earlier": lambda: explore.earlier(reader, chunk),
        "sort_hits": lambda: explore.sort_hits(hits, "newest"),
        "timeline_rows": lambda: explore.timeline_rows(hits),
        "to_csv": lambda: explore.to_csv(hits),
        "to_markdown": lambda: explore.to_markdown(hits, "depot"),
        # search
        "search": lambda: [search(reader, emb, q, k=20, filters=f) for q in
                           ("Riverside depot preferred bidder", '"preferred bidder"', "1,234,567",
                                     "What did the Property Board decide about the depot in 2024?")
                           for f in (Filters(), asked, Filters(committee="Property Board", include_exempt=True))],
        "check_query": lambda: None,  # checks a query's text
        "fuse": lambda: None, "nudge": lambda: None, "confidence": lambda: None,  # arithmetic on scores
        "place_and_time": lambda: None,  # on scores and the rows search read through the reader
        "affordable": lambda: None, "best_sentences": lambda: None,  # on terms and a text given
        "named_terms": lambda: None, "unknown_share": lambda: None,  # on a query and its term counts
        # commitments
        "register": lambda: register_module.register(reader, lambda: emb, register_module.Selection(
            filters=asked, procedural=True)),
        "find_follow_ups": lambda: None, "follow_up_query": lambda: None,  # on a commitment given
        "status_of": lambda: None,
    }
    return calls


def _as_text(value) -> str:
    return repr(value) + json.dumps(value, default=lambda o: getattr(o, "__dict__", repr(o)), ensure_ascii=False)


def test_every_public_library_function_withholds_the_exempt_paper(archive):
    index, doc, chunk = archive
    reader = open_archive(index)  # not opened for exempt papers
    try:
        calls = _calls(reader, doc, chunk)
        public = _public(explore) | _public(search_module) | _public(register_module)
        assert public <= set(calls), f"walk these too: {sorted(public - set(calls))}"
        for name, call in calls.items():
            text = _as_text(call())
            for word in SECRET_WORDS:
                assert word not in text, f"{name} returned {word!r}"
        assert explore.passage(reader, chunk) is None and explore.paper_info(reader, doc) is None
        assert explore.paper_passages(reader, doc) == [] and explore.context(reader, chunk) == []
    finally:
        reader.close()
    member = open_archive(index, exempt=True)  # the same calls, opened for exempt papers, do see it
    try:
        assert SECRET in explore.passage(member, chunk).text and explore.passage(member, chunk).exempt
        assert any(p.doc_id == doc for p in explore.catalogue(member))
    finally:
        member.close()


def _cli_walk(index: Path, chunk: str, tmp: Path) -> dict[str, list[tuple[str, ...]]]:
    questions = tmp / "questions.jsonl"
    questions.write_text(json.dumps({"query": "depot preferred bidder", "relevant": [chunk]}) + "\n")
    batch = tmp / "batch.jsonl"
    batch.write_text(json.dumps({"query": '"preferred bidder"'}) + "\n"
                     + json.dumps({"query": '"preferred bidder"', "include_exempt": "false"}) + "\n")
    more = tmp / "more"
    more.mkdir()
    (more / "new.txt").write_text("Minutes of the Cabinet\n\nDate: 1 February 2024\n\n1. Depot\n\n"
                                  "1.1 The Cabinet noted progress on the depot site.\n", encoding="utf-8")
    i = ("--index", str(index))
    return {
        "search": [("search", "Riverside depot preferred bidder", *i), ("search", '"preferred bidder"', "--json", *i),
                   ("search", "--queries", str(batch), *i)],
        "show": [("show", chunk, *i), ("show", chunk, "--json", *i)],
        "papers": [("papers", *i), ("papers", "--json", *i)],
        "commitments": [("commitments", "--procedural", *i), ("commitments", "--json", *i)],
        "eval": [("eval", str(questions), *i)],
        "follow": [("follow", "add", "depot", "depot preferred bidder", *i), ("follow", "list", *i),
                   ("follow", "news", "--json", *i)],
        "ingest": [("ingest", str(more), *i)],
        "check": [("check", *i)],
        "remove": [("remove", str(more / "new.txt"), *i)],
        # stats is the keeper's count: it lists what it withholds (file, title, reason) by design,
        # never the text.
        "stats": [("stats", *i), ("stats", "--json", *i)],
        # migrate copies a whole archive, exempt papers with their marking, into PostgreSQL
        # (tests/test_pg.py); what it prints is counts.
        "migrate": [],
    }


def test_every_cli_command_withholds_the_exempt_paper(archive, cli, tmp_path):
    index, doc, chunk = archive
    walk = _cli_walk(index, chunk, tmp_path)
    assert set(COMMANDS) == set(walk), f"walk these too: {sorted(set(COMMANDS) ^ set(walk))}"
    for name, runs in walk.items():
        words = (SECRET, "1,234,567") if name == "stats" else SECRET_WORDS
        for args in runs:
            r = cli(*args)
            assert r.code in (0, 1), (args, r.err)
            for word in words:
                assert word not in r.out + r.err, f"`cs-archive {' '.join(args[:2])}` printed {word!r}"
    shown = cli("show", chunk, "--include-exempt", "--index", index)
    assert shown.code == 0 and SECRET in shown.out
