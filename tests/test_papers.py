"""`cs-archive papers`: every paper with its metadata and where each value came from (the
provenance stored beside it), `--unknown FIELD`, exempt papers only when asked, and `stats`'
counts of papers lacking each field. A small folder through the real pipeline and the
HashEmbedder; the store-level round trip on both backends is in test_store_contract.py."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cs_archive import explore
from cs_archive.index.store import Archive, check

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "seeds" / "002_369ad1428722def9.txt"  # an agenda pack: ten papers in one file

DATED = ("Report to Cabinet\n\nDate: 4 January 2024\n\nTitle: Highways Maintenance Plan\n\n"
         "1.1 The council repaired 412 potholes on the A413 this winter.\n")
UNDATED = ("Report to Cabinet\n\nTitle: Library Opening Hours\n\n"
           "1.1 Longer library opening hours are proposed for the town centre branch.\n")
SECRET = ("Report to Cabinet\n\nDate: 4 January 2024\n\nTitle: Riverside Depot Terms\n\n"
          "1.1 The preferred bidder offered £1,234,567 for the Riverside depot.\n")
# council from the manifest; the committee of a_dated.txt corrected in the UI (the `corrected`
# column names it); d_secret.txt withheld by hand.
MANIFEST = ("file,council,committee,date,title,doc_type,url,exempt,corrected\n"
            "a_dated.txt,Kent County Council,Cabinet Committee,,,,,,committee\n"
            "c_undated.txt,Kent County Council,,,,,,,\n"
            "d_secret.txt,,,,,,,yes,\n")


@pytest.fixture
def archive(tmp_path, hash_env):
    """(papers folder, index folder): three small papers, a ten-paper pack and a manifest."""
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a_dated.txt").write_text(DATED, encoding="utf-8")
    shutil.copy(PACK, folder / "b_pack.txt")
    (folder / "c_undated.txt").write_text(UNDATED, encoding="utf-8")
    (folder / "d_secret.txt").write_text(SECRET, encoding="utf-8")
    (folder / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    report = ingest([folder], tmp_path / "index", get_embedder())
    assert not report.failed, report.failed
    return folder, tmp_path / "index"


def _by_name(records):
    return {Path(r["source"]).name: r for r in records if not r["part_of_pack"]}


def test_json_lists_every_paper_by_source_then_position_in_the_file(archive, cli):
    folder, index = archive
    r = cli("papers", "--json", "--index", index)
    assert r.code == 0, r.err
    got = r.json()
    names = [Path(p["source"]).name for p in got]
    pack = [p for p in got if p["part_of_pack"]]
    assert len(pack) >= 2
    assert names == ["a_dated.txt"] + ["b_pack.txt"] * len(pack) + ["c_undated.txt"]  # d_secret.txt withheld
    # the pack's papers in the order they stand in the file: doc ids <digest>-1, -2, ...
    digest = pack[0]["doc_id"].rsplit("-", 1)[0]
    assert [p["doc_id"] for p in pack] == [f"{digest}-{n}" for n in range(1, len(pack) + 1)]
    a = Archive(index)
    assert [p.idx for p in explore.catalogue(a) if p.part_of_pack] == list(range(len(pack)))
    stored = dict(a.db.execute("SELECT doc_id, count(*) FROM chunks GROUP BY doc_id").fetchall())
    a.close()
    assert [p["chunks"] for p in got] == [stored[p["doc_id"]] for p in got]
    assert set(got[0]) == {"doc_id", "source", "url", "council", "committee", "date", "doc_type", "title",
                           "provenance", "pages", "chunks", "part_of_pack", "exempt"}
    dated = _by_name(got)["a_dated.txt"]
    assert dated["source"] == str(folder / "a_dated.txt") and dated["url"] is None
    assert (dated["council"], dated["committee"], dated["date"], dated["title"], dated["doc_type"]) == (
        "Kent County Council", "Cabinet Committee", "2024-01-04", "Highways Maintenance Plan", "report")
    assert (dated["pages"], dated["part_of_pack"], dated["exempt"]) == (None, False, False) and dated["chunks"] >= 1
    # the same again: the order is stable
    assert cli("papers", "--json", "--index", index).json() == got


def test_provenance_names_the_manifest_and_corrections(archive, cli):
    _, index = archive
    got = _by_name(cli("papers", "--json", "--index", index).json())
    dated, undated = got["a_dated.txt"], got["c_undated.txt"]
    assert dated["provenance"]["council"] == "manifest"
    assert dated["provenance"]["committee"] == "correction"
    assert undated["provenance"]["council"] == "manifest"
    for record in cli("papers", "--json", "--index", index).json():  # only fields that have a value
        assert all(record[k] is not None and not (k == "doc_type" and record[k] == "other")
                   for k in record["provenance"]), record
        assert set(record["provenance"].values()) <= {"paper", "filename", "folder", "meeting", "manifest",
                                                      "correction"}
    text = cli("papers", "--index", index).out
    assert "council Kent County Council (manifest) · committee Cabinet Committee (correction)" in text


def test_unknown_date_keeps_the_papers_without_one(archive, cli):
    _, index = archive
    every = cli("papers", "--json", "--index", index).json()
    undated = cli("papers", "--json", "--unknown", "date", "--index", index).json()
    assert "c_undated.txt" in {Path(p["source"]).name for p in undated}
    assert undated == [p for p in every if p["date"] is None]
    no_type = cli("papers", "--json", "--unknown", "doc_type", "--index", index).json()
    assert no_type == [p for p in every if p["doc_type"] in (None, "other")]
    text = cli("papers", "--unknown", "date", "--index", index).out
    assert text.splitlines()[-1].startswith(f"{len(undated)} papers; ")
    assert (f"{len(undated)} lack a date" if len(undated) != 1 else "1 lacks a date") in text.splitlines()[-1]


def test_a_bad_unknown_field_is_a_usage_error(archive, cli):
    _, index = archive
    r = cli("papers", "--unknown", "url", "--index", index)
    assert r.code == 2 and "invalid choice: 'url'" in r.err
    with pytest.raises(ValueError, match="use one of council, committee, date, doc_type, title"):
        explore.catalogue(Archive(index), unknown="url")


def test_no_archive_is_exit_2_saying_how_to_build_one(cli, hash_env, tmp_path):
    r = cli("papers", "--index", tmp_path / "nowhere")
    assert r.code == 2 and "cs-archive ingest" in r.err and r.out == ""


def test_exempt_papers_only_with_include_exempt(archive, cli):
    _, index = archive
    hidden = cli("papers", "--json", "--index", index).json()
    shown = cli("papers", "--json", "--include-exempt", "--index", index).json()
    assert "d_secret.txt" not in {Path(p["source"]).name for p in hidden}
    secret = _by_name(shown)["d_secret.txt"]
    assert secret["exempt"] is True and secret["title"] == "Riverside Depot Terms"
    assert [p for p in shown if p["doc_id"] != secret["doc_id"]] == hidden
    assert not any(p["exempt"] for p in hidden)
    assert shown[-1] == secret  # by source: d_ after c_
    assert "d_secret.txt  [exempt]" in cli("papers", "--include-exempt", "--index", index).out


def test_stats_counts_the_papers_lacking_each_field(archive, cli):
    _, index = archive
    every = cli("papers", "--json", "--include-exempt", "--index", index).json()
    s = cli("stats", "--json", "--index", index).json()
    # as the other counts of stats: every paper stored, exempt ones included
    assert s["papers"] == len(every) == sum(s["by_type"].values())
    lacking = {k: sum(p[k] is None or (k == "doc_type" and p[k] == "other") for p in every)
               for k in ("council", "committee", "date", "doc_type", "title")}
    assert s["unknown"] == lacking
    assert s["unknown"]["date"] == s["by_year"].get("unknown", 0) >= 1
    assert s["unknown"]["doc_type"] == s["by_type"].get("other", 0)
    text = cli("stats", "--index", index).out
    assert ("papers lacking a field: " + ", ".join(f"{k} {n}" for k, n in lacking.items())) in text


def test_the_plain_listing(archive, cli):
    folder, index = archive
    r = cli("papers", "--index", index)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == str(folder / "a_dated.txt")
    assert lines[1].startswith("   council Kent County Council (manifest) · committee Cabinet Committee (correction) "
                               "· date 2024-01-04")
    assert re.search(r"· type report · title Highways Maintenance Plan · \d+ passages$", lines[1])
    assert lines[2] == str(folder / "b_pack.txt") + " (paper 1 of the pack)"
    every = cli("papers", "--json", "--index", index).json()
    n_undated = sum(p["date"] is None for p in every)
    assert lines[-1].startswith(f"{len(every)} papers; ")
    assert (f"{n_undated} lack a date" if n_undated != 1 else "1 lacks a date") in lines[-1]


def test_removing_a_file_removes_its_provenance(archive, cli):
    folder, index = archive
    assert cli("remove", folder / "a_dated.txt", "--index", index).code == 0
    a = Archive(index)
    assert a.db.execute("SELECT count(*) FROM paper_provenance WHERE doc_id NOT IN "
                        "(SELECT doc_id FROM papers)").fetchone()[0] == 0
    assert a.db.execute("SELECT count(*) FROM paper_provenance").fetchone()[0] == \
        a.db.execute("SELECT count(*) FROM papers").fetchone()[0]
    a.close()
    assert "a_dated.txt" not in {Path(p["source"]).name for p in cli("papers", "--json", "--index", index).json()}
    assert check(index) == []
