"""The `cs-archive` command: errors and exit codes, help, and end to end on the seeds.

The end-to-end tests (marked ``model``) share the session's ``seed_index``, built once with
the real model; everything else uses the fast HashEmbedder.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from cs_archive.cli import COMMANDS
from conftest import shared_file

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
PDFS = ROOT / "tests" / "fixtures" / "pdf"
HEAVY = ("torch", "sentence_transformers", "transformers", "faiss")


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> Path:
    """One short seed (004) ingested with the hash model."""
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    folder = tmp_path_factory.mktemp("small") / "index"
    papers = tmp_path_factory.mktemp("small-papers")
    shutil.copy(next(SEEDS.glob("004_*.txt")), papers)
    report = ingest([papers], folder, HashEmbedder())
    assert len(report.added) == 1
    return folder


# -- errors: (args, exit code, message fragment) ---------------------------------------------

def case(args: list[str], code: int, fragment: str, bug: str | None = None):
    marks = [pytest.mark.xfail(strict=True, reason=f"BUG: {bug}")] if bug else []
    return pytest.param(args, code, fragment, id=" ".join(args) or "(no arguments)", marks=marks)


ERRORS = [
    case(["search", "children", "--index", "{missing}"], 2, "cs-archive ingest PATH --index {missing}"),
    case(["search", "--json", "children", "--index", "{missing}"], 2, "no archive at {missing}"),
    case(["stats", "--index", "{missing}"], 2, "cs-archive ingest"),
    case(["show", "abc:0001", "--index", "{missing}"], 2, "cs-archive ingest"),
    case(["remove", "x.txt", "--index", "{missing}"], 2, "cs-archive ingest"),
    case(["check", "--index", "{missing}"], 2, "cs-archive ingest"),
    case(["search", "--index", "{archive}"], 2, "give a QUERY or --queries FILE"),
    case(["search", "--json", "--index", "{archive}"], 2, "give a QUERY or --queries FILE"),
    case(["show", "nope:0000", "--index", "{archive}"], 1, "no passage 'nope:0000'"),
    case(["search", "--queries", "{missing}/q.jsonl", "--index", "{archive}"], 1, "cannot read {missing}/q.jsonl"),
    case(["remove", "not/there.txt", "--index", "{archive}"], 1, "not in the archive: not/there.txt"),
    case(["ingest", "{missing}/nothing.txt", "--index", "{missing}"], 1, "{missing}/nothing.txt: no such file or folder."),
    case(["search", "x", "--store", "postgresql://nobody@db.invalid/archive"], 2, "cannot connect to postgresql://nobody@db.invalid/archive"),
    case(["migrate", "--from", "postgresql://db.invalid/a", "--to", "postgresql://db.invalid/b"], 2, "--from must be a folder"),
    case(["search", "x", "--store", "ftp://host/x"], 2, "unknown store URL"),
    case(["search", "x", "-k", "many", "--index", "{archive}"], 2, "invalid int value"),
    case(["search", "x", "--since", "01/01/2023", "--index", "{archive}"], 2, "since '01/01/2023' is not a date"),
    case(["search", "x", "--until", "2024-13-01", "--index", "{archive}"], 2, "write it as YYYY-MM-DD"),
    case(["frobnicate"], 2, "invalid choice"),
    case([], 2, "required"),
    case(["ingest"], 2, "required"),
]


@pytest.mark.parametrize("args,code,fragment", ERRORS)
def test_error_exit_codes_and_messages(args, code, fragment, cli, hash_env, small_archive, tmp_path):
    fill = lambda s: s.format(missing=tmp_path / "nowhere", archive=small_archive)  # noqa: E731
    r = cli(*map(fill, args))
    assert r.code == code, (r.out, r.err)
    assert fill(fragment) in r.err + r.out


def test_archive_location_from_env_and_store_url(cli, hash_env, small_archive, monkeypatch, tmp_path):
    monkeypatch.setenv("CS_ARCHIVE_INDEX", str(small_archive))
    r = cli("stats", "--json")
    assert r.code == 0 and r.json()["files"] == 1
    # A store URL wins over --index.
    r = cli("stats", "--json", "--index", tmp_path / "nowhere", "--store", f"faiss://{small_archive}")
    assert r.code == 0 and r.json()["files"] == 1
    monkeypatch.setenv("CS_ARCHIVE_STORE", f"faiss://{tmp_path / 'nowhere'}")
    r = cli("stats", "--index", small_archive)
    assert r.code == 2 and f"no archive at {tmp_path / 'nowhere'}" in r.err


@pytest.mark.parametrize("query", ["NEAR(children", '"', "a*", "children OR", "col:foo", "it's", '""', "AND",
                                   '"unbalanced quote', "^x", "“Children’s Services”"])
def test_queries_with_search_syntax_characters_do_not_break_search(cli, hash_env, small_archive, query):
    r = cli("search", "--json", query, "-k", "2", "--index", small_archive)
    assert r.code == 0, r.err
    assert isinstance(r.json(), list)


def test_damaged_archive_gives_a_message_not_a_traceback(cli_subprocess, small_archive, tmp_path):
    damaged = Path(shutil.copytree(small_archive, tmp_path / "index"))
    gen = json.loads((damaged / "manifest.json").read_text())["generation"]
    shutil.rmtree(damaged / gen)
    r = cli_subprocess("search", "children", "--index", damaged, env={"CS_ARCHIVE_MODEL": "hash"})
    assert r.code in (1, 2)
    assert "Traceback" not in r.err and "cs-archive" in r.err
    assert f"{gen}/archive.sqlite is missing" in r.err and "--rebuild" in r.err


def test_batch_reports_each_bad_line_and_goes_on(cli, hash_env, small_archive, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('not json\n{"query": "children", "k": "many"}\n[1, 2]\n{"query": 7}\n'
                       '{"query": "children", "since": "last year"}\n{"query": "children", "k": 2}\n')
    r = cli("search", "--queries", queries, "--index", small_archive)
    assert r.code == 0, r.err
    out = [json.loads(line) for line in r.out.splitlines()]
    assert [("error" in o, o["query"]) for o in out] == [
        (True, None), (True, "children"), (True, None), (True, 7), (True, "children"), (False, "children")]
    assert all(o["error"] for o in out[:5]) and len(out[5]["hits"]) == 2
    assert "since 'last year' is not a date" in out[4]["error"]


# -- ingest of bad files ---------------------------------------------------------------------

@pytest.fixture
def bad_files(tmp_path) -> list[Path]:
    docx = tmp_path / "minutes.docx"
    docx.write_bytes(b"PK\x03\x04 not really a word file")
    return [PDFS / "empty.pdf", docx, PDFS / "random_bytes.pdf"]


REASONS = ["empty file (0 bytes)", "unsupported file type '.docx'", "not a readable PDF"]


def _failure_lines(err: str, paths) -> dict[str, list[str]]:
    return {str(p): [ln for ln in err.splitlines() if ln.startswith(f"{p}: ")] for p in paths}


def test_ingest_of_only_bad_files_exits_1_with_one_line_each(cli, hash_env, bad_files, tmp_path):
    r = cli("ingest", *bad_files, "--index", tmp_path / "index")
    assert r.code == 1
    lines = _failure_lines(r.err, bad_files)
    for path, reason in zip(bad_files, REASONS):
        [line] = lines[str(path)]  # exactly one line per file
        rest = line[len(f"{path}: "):]
        assert rest.startswith(reason)
        what, _, todo = rest.partition(". ")
        assert what and todo.strip(), f"'<reason>. <what to do>' expected: {line!r}"
    assert "0 added, 0 updated, 0 unchanged, 3 failed" in r.err


def test_ingest_reports_unsupported_files_found_in_folders(cli, hash_env, tmp_path):
    papers = tmp_path / "papers"
    papers.mkdir()
    shutil.copy(next(SEEDS.glob("004_*.txt")), papers)
    (papers / "notes.docx").write_bytes(b"PK\x03\x04")
    r = cli("ingest", papers, "--index", tmp_path / "index")
    assert r.code == 0
    [line] = _failure_lines(r.err, [papers / "notes.docx"])[str(papers / "notes.docx")]
    assert "unsupported file type '.docx'" in line and "Convert it to PDF, HTML or text" in line


def test_ingest_stderr_has_nothing_but_progress_failures_and_summary(cli_subprocess, bad_files, tmp_path):
    r = cli_subprocess("ingest", *bad_files, "--index", tmp_path / "index", env={"CS_ARCHIVE_MODEL": "hash"})
    assert r.code == 1
    strays = [ln for ln in r.err.splitlines()
              if not ln.startswith(tuple(f"{p}: " for p in bad_files)) and " failed; " not in ln]
    assert strays == []


def test_ingest_of_good_and_bad_files_exits_0_and_adds_the_good(cli, hash_env, bad_files, tmp_path):
    good = [PDFS / "report_running_headers.pdf", next(SEEDS.glob("004_*.txt"))]
    index = tmp_path / "index"
    r = cli("ingest", good[0], *bad_files, good[1], "--index", index)
    assert r.code == 0, r.err
    assert all(len(v) == 1 for v in _failure_lines(r.err, bad_files).values())
    assert "2 added, 0 updated, 0 unchanged, 3 failed" in r.err
    s = cli("stats", "--json", "--index", index).json()
    assert (s["files"], s["papers"]) == (2, 2)
    # Again: nothing changed is still success.
    r = cli("ingest", *good, "--index", index)
    assert r.code == 0 and "0 added, 0 updated, 2 unchanged, 0 failed" in r.err


def test_remove_and_check_through_the_cli(cli, hash_env, tmp_path):
    paper = tmp_path / "p.txt"
    shutil.copy(next(SEEDS.glob("004_*.txt")), paper)
    index = tmp_path / "index"
    assert cli("ingest", paper, "--index", index).code == 0
    r = cli("remove", paper, "--index", index)
    assert r.code == 0 and f"removed: {paper}" in r.err
    assert cli("stats", "--json", "--index", index).json()["files"] == 0
    r = cli("check", "--index", index)
    assert r.code == 0 and r.out.startswith("ok: ")
    gen = json.loads((index / "manifest.json").read_text())["generation"]
    (index / gen / "vectors.faiss").unlink()
    r = cli("check", "--index", index)
    assert r.code == 1 and "damaged: " in r.out


# -- help ------------------------------------------------------------------------------------

def test_top_level_help_lists_every_command_with_a_summary(cli):
    r = cli("--help")
    assert r.code == 0
    assert {"ingest", "search", "show", "stats", "remove", "check"} <= set(COMMANDS)
    for name in COMMANDS:  # each listed with a summary of at least three words
        assert re.search(rf"^\s+{name}\s+\S+ \S+ \S+", r.out, re.M), f"{name} missing from --help"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(cli, name):
    r = cli(name, "--help")
    assert r.code == 0
    assert r.out.startswith(f"usage: cs-archive {name}")
    assert ("--index" in r.out or name == "migrate") and "-h, --help" in r.out  # migrate names --from/--to


# Named in the contract for work that is not built yet.
NOT_YET: set[str] = set()


def test_every_contract_command_exists():
    contract = shared_file("CONTRACT.md").read_text()
    named = set(re.findall(r"`cs-archive (\w+)", contract)) | {"stats", "show", "remove", "check", "eval"}
    assert named - NOT_YET <= set(COMMANDS)
    assert not NOT_YET & set(COMMANDS), "built now: take it out of NOT_YET"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_in_the_readme(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`{name}\b", readme), f"README.md does not document `{name}`"


def test_help_imports_no_heavy_library(cli_subprocess):
    r = cli_subprocess("-c", "import sys, cs_archive.cli; cs_archive.cli.build_parser(); "
                             f"print([m for m in {HEAVY!r} if m in sys.modules])", python=True)
    assert r.code == 0, r.err
    assert r.out.strip() == "[]"


def test_installed_script_help_imports_no_heavy_library(cli_subprocess):
    r = cli_subprocess("--help", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert r.code == 0, r.err
    assert all(f" {name} " in r.out for name in COMMANDS)
    imported = {ln.rsplit("|", 1)[-1].strip() for ln in r.err.splitlines() if ln.startswith("import time:")}
    assert "cs_archive.cli" in imported, "import profiling did not run"
    assert not {m.split(".")[0] for m in imported} & set(HEAVY)


# -- end to end on the seeds, real model -----------------------------------------------------

HIT_FIELDS = {
    "rank": int, "score": (int, float), "confident": bool, "chunk_id": str, "doc_id": str, "source": str,
    "url": (str, type(None)), "council": (str, type(None)), "committee": (str, type(None)),
    "date": (str, type(None)), "doc_type": str, "title": str, "section": (str, type(None)),
    "subsection": (str, type(None)), "part": (int, type(None)), "heading": str, "page": (int, type(None)),
    "page_end": (int, type(None)), "text": str, "highlights": list, "topics": list, "also_in": list,
}
DOC_TYPES = {"report", "minutes", "agenda", "decision", "strategy", "appendix", "other"}


def assert_contract_hits(hits: list[dict], k: int) -> None:
    assert 0 < len(hits) <= k
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert len({h["chunk_id"] for h in hits}) == len(hits)
    for h in hits:
        for field, types in HIT_FIELDS.items():
            assert field in h, f"hit lacks {field}"
            assert isinstance(h[field], types) and not (types is int and isinstance(h[field], bool)), \
                f"{field}={h[field]!r}"
        assert h["chunk_id"].startswith(h["doc_id"] + ":")
        assert h["doc_type"] in DOC_TYPES
        if h["date"] is not None:
            dt.date.fromisoformat(h["date"])
        assert h["part"] is None or h["part"] >= 1
        assert h["text"].strip()
        assert len(h["highlights"]) <= 2 and all(s in h["text"] for s in h["highlights"])
        assert all(isinstance(t, str) for t in h["topics"])
        for d in h["also_in"]:
            assert {"chunk_id", "source", "date", "section"} <= set(d)


def search_json(cli, index, *args) -> list[dict]:
    r = cli("search", "--json", *args, "--index", index)
    assert r.code == 0, r.err
    return r.json()


def name(hit: dict) -> str:
    return os.path.basename(hit["source"])


@pytest.mark.model
def test_search_cites_the_paragraph_with_every_contract_field(cli, seed_index, real_env):
    hits = search_json(cli, seed_index, "how many children are in care per 10,000")
    assert_contract_hits(hits, 10)
    top = hits[0]
    assert name(top).startswith("000_")
    assert (top["section"], top["date"], top["committee"], top["doc_type"]) == ("2.23", "2024-01-04", "Cabinet",
                                                                              "report")
    assert top["confident"] is True
    assert "41 children in care per 10,000" in top["text"]
    assert any("41 children in care per 10,000" in s for s in top["highlights"])
    # The same search as text: a citation a clerk can paste.
    r = cli("search", "how many children are in care per 10,000", "-k", "1", "--index", seed_index)
    assert r.code == 0
    assert r.out.startswith("1. Cabinet · 4 January 2024 · Children's Services Update · para 2.23")
    assert top["chunk_id"] in r.out


@pytest.mark.model
def test_no_highlights(cli, seed_index, real_env):
    hits = search_json(cli, seed_index, "Switch Bucks substance misuse", "-k", "3", "--no-highlights")
    assert len(hits) == 3 and all(h["highlights"] == [] for h in hits)


FILTERS = [
    (["--until", "2019-12-31"], lambda h: h["date"] is not None and h["date"] <= "2019-12-31"
     and not name(h).startswith(("000_", "003_", "004_"))),
    (["--since", "2023-01-01"], lambda h: h["date"] is not None and h["date"] >= "2023-01-01"),
    (["--since", "2016-09-01", "--until", "2016-09-30"], lambda h: h["date"] == "2016-09-20"),
    (["--committee", "social care & learning"], lambda h: name(h).startswith("002_")),
    (["--committee", "SOCIAL CARE AND LEARNING"], lambda h: name(h).startswith("002_")),
    (["--council", "buckinghamshire county"], lambda h: name(h).startswith(("001_", "002_"))),
    (["--type", "minutes"], lambda h: h["doc_type"] == "minutes" and name(h).startswith("002_")),
    (["--committee", "cabinet", "--until", "2020-01-01"], lambda h: name(h).startswith("001_")),
]


@pytest.mark.model
@pytest.mark.parametrize("args,ok", FILTERS, ids=[" ".join(a) for a, _ in FILTERS])
def test_filters_leak_nothing_and_still_fill_k(cli, seed_index, real_env, args, ok):
    hits = search_json(cli, seed_index, "children in care", "-k", "10", *args)
    assert len(hits) == 10, "k hits when k matching passages exist"
    leaks = [(name(h), h["date"], h["committee"], h["doc_type"]) for h in hits if not ok(h)]
    assert leaks == []


@pytest.mark.model
def test_unfiltered_search_does_cross_the_filter_lines(cli, seed_index, real_env):
    """So the filter tests above are not passing by luck."""
    hits = search_json(cli, seed_index, "children in care", "-k", "60")  # 002's strategy fills the first 30
    assert {name(h)[:3] for h in hits} >= {"000", "001", "002"}


@pytest.mark.model
def test_committee_and_ampersand_are_the_same(cli, seed_index, real_env):
    a = search_json(cli, seed_index, "special educational needs", "--committee", "Social Care & Learning")
    b = search_json(cli, seed_index, "special educational needs", "--committee", "social care and learning")
    assert [h["chunk_id"] for h in a] == [h["chunk_id"] for h in b]


@pytest.mark.model
def test_quoted_phrase_returns_only_passages_containing_it(cli, seed_index, real_env):
    hits = search_json(cli, seed_index, '"Switch Bucks"', "-k", "20")
    assert hits and name(hits[0]).startswith("001_")
    assert all("switch bucks" in " ".join(h["text"].lower().split()) for h in hits)
    assert search_json(cli, seed_index, '"Switch Bucks rocket ship"') == []


@pytest.mark.model
def test_batch_queries_one_line_each_in_order(cli, seed_index, real_env, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text("\n".join([
        json.dumps({"query": "What is the Buckinghamshire Challenge?", "k": 3}),
        json.dumps({"nope": 1}),
        json.dumps({"query": "substance misuse service for young people", "k": 2, "until": "2019-12-31"}),
    ]) + "\n")
    r = cli("search", "--queries", queries, "--index", seed_index)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert len(lines) == 3
    first, bad, third = map(json.loads, lines)
    assert first["query"] == "What is the Buckinghamshire Challenge?" and len(first["hits"]) == 3
    assert_contract_hits(first["hits"], 3)
    assert set(bad) == {"query", "error"} and bad["query"] is None and "query" in bad["error"]
    assert third["query"] == "substance misuse service for young people" and len(third["hits"]) == 2
    assert all(h["date"] <= "2019-12-31" for h in third["hits"])


@pytest.mark.model
def test_show_prints_the_passage_and_its_neighbours(cli, seed_index, real_env):
    top = search_json(cli, seed_index, "how many children are in care per 10,000", "-k", "1")[0]
    r = cli("show", top["chunk_id"], "--context", "1", "--json", "--index", seed_index)
    assert r.code == 0
    rows = r.json()
    assert [row["seq"] for row in rows] == [25, 26, 27]
    assert {row["doc_id"] for row in rows} == {top["doc_id"]}
    assert rows[1]["chunk_id"] == top["chunk_id"] and rows[1]["text"] == top["text"]
    r = cli("show", top["chunk_id"], "--context", "1", "--index", seed_index)
    assert r.code == 0
    assert r.out.startswith("Cabinet · 4 January 2024 · Children's Services Update")
    for row in rows:
        assert row["text"] in r.out and row["chunk_id"] in r.out
    assert f">> [para 2.23] ({top['chunk_id']})" in r.out
    assert r.out.count(">> ") == 1


@pytest.mark.model
def test_stats_and_check(cli, seed_index, real_env):
    r = cli("stats", "--json", "--index", seed_index)
    assert r.code == 0
    s = r.json()
    assert (s["files"], s["papers"]) == (5, 14)
    assert s["chunks"] > 300
    assert sum(s["by_type"].values()) == sum(s["by_year"].values()) == 14
    assert s["by_year"]["2016"] == 10
    assert (s["manifest"]["model"], s["manifest"]["dim"]) == ("all-MiniLM-L6-v2", 384)
    assert s["manifest"]["counts"]["chunks"] == s["chunks"]
    r = cli("check", "--index", seed_index)
    assert r.code == 0 and r.out.strip() == f"ok: {seed_index}"


@pytest.mark.model
def test_dev_questions_score(cli_subprocess, seed_index, real_env):
    r = cli_subprocess(shared_file("eval/score_dev.py"), "--cli", ".venv/bin/cs-archive",
                       "--index", seed_index, python=True)
    assert r.code == 0, r.err
    m = re.search(r"^n=(\d+) R@1=([\d.]+) R@5=([\d.]+) R@10=([\d.]+) MRR@10=([\d.]+) "
                  r"section=(\d+)/(\d+) filter-leaks=(\d+)\b", r.out, re.M)
    assert m, r.out
    n, r5, sec_ok, sec_n, leaks = int(m[1]), float(m[3]), int(m[6]), int(m[7]), int(m[8])
    assert n >= 20
    assert r5 >= 0.90, r.out
    assert sec_n > 0 and sec_ok == sec_n, r.out
    assert leaks == 0, r.out


def test_search_json_hits_say_whether_their_text_was_read_by_ocr(cli, hash_env, tmp_path):
    from cs_archive.embed import HashEmbedder
    from cs_archive.index.store import writing
    from cs_archive.models import Chunk, Paper, PaperMeta

    emb, index = HashEmbedder(), tmp_path / "index"
    texts = {"scan:0000": "The scanned minute records repairs to potholes on the high street.",
             "scan:0001": "The typed minute records repairs to potholes on the ring road."}
    chunks = [Chunk(cid, "scan", n, str(n + 1), None, None, "Highways", 0, len(t), t, page=n + 1, page_end=n + 1,
                    ocr=(n == 0)) for n, (cid, t) in enumerate(texts.items())]
    paper = Paper("scan", "scan.pdf", 0, 200, PaperMeta(title="Highways minutes", doc_type="minutes"))
    with writing(index, emb.name, emb.dim) as w:
        w.put_file("scan.pdf", "sha", "m", 2, {}, [paper], chunks, ["h0", "h1"], emb.embed(list(texts.values())))
    hits = search_json(cli, index, "repairs to potholes", "-k", "5", "--no-highlights")
    assert {h["chunk_id"]: h["ocr"] for h in hits} == {"scan:0000": True, "scan:0001": False}
    assert all(type(h["ocr"]) is bool for h in hits)


# -- batch lines that must neither fail open nor stop the batch (issue 22) ---------------------

@pytest.fixture
def exempt_archive(tmp_path) -> Path:
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest

    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "exempt.txt").write_text(
        "Report to Cabinet\n\nDate: 4 January 2024\n\nNOT FOR PUBLICATION\n\n1. Purpose\n\n1.1 The preferred "
        "bidder for the Riverside depot offered £1,234,567.\n", encoding="utf-8")
    index = tmp_path / "index"
    assert len(ingest([folder], index, HashEmbedder()).added) == 1
    return index


# (include_exempt as written in the line, exempt papers shown, or the error)
EXEMPT_FLAGS = [(None, False), (True, True), (False, False), ("true", True), ("yes", True), ("false", False),
                ("no", False), ("No", False),
                ("maybe", "include_exempt must be true or false, not 'maybe'"),
                ("", "include_exempt must be true or false, not ''"),
                (1, "include_exempt must be true or false, not 1"),
                (0, "include_exempt must be true or false, not 0"),
                ([], "include_exempt must be true or false, not []")]


def test_batch_include_exempt_is_read_strictly_and_never_fails_open(cli, hash_env, exempt_archive, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text("".join(json.dumps({"query": "preferred bidder", "include_exempt": flag}) + "\n"
                               for flag, _ in EXEMPT_FLAGS))
    r = cli("search", "--queries", queries, "--index", exempt_archive)
    assert r.code == 0, r.err
    out = [json.loads(line) for line in r.out.splitlines()]
    got = [o["error"] if "error" in o else "1,234,567" in json.dumps(o["hits"]) for o in out]
    assert got == [expected for _, expected in EXEMPT_FLAGS]
    assert all(o["query"] == "preferred bidder" for o in out)


def test_batch_line_with_a_lone_surrogate_gets_an_error_line_and_the_batch_goes_on(cli, hash_env, small_archive,
                                                                                   tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query": "children \\ud800"}\n{"query": "children", "committee": "\\udfff"}\n'
                       '{"query": "children", "k": 2}\n', encoding="utf-8")
    r = cli("search", "--queries", queries, "--index", small_archive)
    assert r.code == 0, r.err
    out = [json.loads(line) for line in r.out.splitlines()]
    assert [o.get("error") for o in out] == ["the line holds a lone surrogate (\\ud800), which is not text: "
                                             "write the characters themselves or their \\u escapes in pairs",
                                             "the line holds a lone surrogate (\\udfff), which is not text: "
                                             "write the characters themselves or their \\u escapes in pairs", None]
    assert [o["query"] for o in out] == ["children \ufffd", "children", "children"] and len(out[2]["hits"]) == 2


def test_batch_oversized_query_gets_an_error_line(cli, hash_env, small_archive, tmp_path):
    queries = tmp_path / "q.jsonl"
    many = " ".join(f'"care {i}"' for i in range(30))
    queries.write_text(json.dumps({"query": many}) + "\n" + json.dumps({"query": "children", "k": 1}) + "\n")
    r = cli("search", "--queries", queries, "--index", small_archive)
    assert r.code == 0, r.err
    bad, good = [json.loads(line) for line in r.out.splitlines()]
    assert bad["query"] == many and bad["error"].startswith("the query has 30 quoted phrases (at most 20). ")
    assert len(good["hits"]) == 1
