"""What people supply beside a paper (manifest.csv, a correction) cannot break the archive for
everyone: values are bounded and made one line when written, and a bad cell or an unreadable
manifest is named in one line and skipped when read; the paper keeps its own metadata and the
rest of the batch goes on."""
import csv
import sqlite3

import pytest

from cs_archive import explore
from cs_archive.chunking.overrides import read_overrides
from cs_archive.corrections import CorrectionError, validate, write_correction
from cs_archive.embed import HashEmbedder
from cs_archive.index.store import Archive, check
from cs_archive.ingest import ingest
from cs_archive.search import search

MINUTES = ("Bristol City Council\nMinutes of the Transport and Connectivity Policy Committee\n"
           "12 September 2024 at 5.00 pm\nMembers Present:- Councillors A and B\n1 Apologies\nNone.\n"
           "2 Parking review\nThe committee approved the parking review for the city centre.\n")
OTHER = ("Bristol City Council\nMinutes of the Cabinet\n3 October 2024 at 4.00 pm\n"
         "1 Apologies\nNone.\n2 Libraries\nThe cabinet agreed to keep every library open.\n")


@pytest.mark.parametrize("changes, words", [
    ({"title": "x" * 200_000}, "title is 200,000 characters long; at most 500"),
    ({"committee": "c" * 1_000}, "committee is 1,000 characters long; at most 300"),
    ({"url": "https://example.org/" + "a" * 5_000}, "url is 5,020 characters long; at most 2,000"),
    ({"date": "2024-02-30"}, "not a date"),
])
def test_a_value_too_long_or_impossible_is_refused_at_write(tmp_path, changes, words):
    (tmp_path / "a.txt").write_text("paper a")
    with pytest.raises(CorrectionError, match=words):
        write_correction(tmp_path / "a.txt", changes)
    assert not (tmp_path / "manifest.csv").exists()


def test_values_are_made_one_line_without_control_characters():
    assert validate({"title": "Budget\r\n\x00 report\x07\u2028 2024\t"}) == {"title": "Budget report 2024"}
    assert validate({"committee": " Cabinet\x1b[31m "}) == {"committee": "Cabinet[31m"}


def test_a_manifest_cell_is_made_one_line_and_bounded_at_read(tmp_path):
    (tmp_path / "a.txt").write_text("paper a")
    with (tmp_path / "manifest.csv").open("w", newline="") as f:
        csv.writer(f).writerows([("file", "committee", "title", "date"),
                                 ("a.txt", "Cabinet\n(special)\x00", "t" * 600, "2024-02-30")])
    assert read_overrides(tmp_path / "a.txt") == {"committee": "Cabinet (special)"}


def _write_manifest(folder, title, date=""):
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("file", "council", "committee", "date", "title"),
                                 ("minutes.txt", "Bristol (manifest)", "", date, title)])


def _ingest_two_folders(tmp_path, title, date=""):
    bad, good = tmp_path / "papers" / "bad", tmp_path / "papers" / "good"
    bad.mkdir(parents=True)
    good.mkdir()
    (bad / "minutes.txt").write_text(MINUTES)
    (good / "other.txt").write_text(OTHER)
    _write_manifest(bad, title, date)
    return bad, good, ingest([bad, good], tmp_path / "index", HashEmbedder())


def _works_afterwards(tmp_path):
    a = Archive(tmp_path / "index")
    try:
        assert search(a, HashEmbedder(), "parking review", k=5)
        assert search(a, HashEmbedder(), "library", k=5)
        assert explore.meetings(a)
    finally:
        a.close()
    assert check(tmp_path / "index") == []


def test_a_200000_character_manifest_cell_is_named_and_skipped(tmp_path, hash_env):
    bad, good, report = _ingest_two_folders(tmp_path, "x" * 200_000)
    paper = str(bad / "minutes.txt")
    assert sorted(report.added) == [paper, str(good / "other.txt")] and report.failed == []
    assert report.notes == [(paper, f"{bad / 'manifest.csv'}: the title for minutes.txt is 200,000 characters "
                                    "long; at most 500. Shorten it; until then the paper's own title is used.")]
    a = Archive(tmp_path / "index")
    council, title = a.db.execute("SELECT council, title FROM papers WHERE source = ?", (paper,)).fetchone()
    a.close()
    assert council == "Bristol (manifest)" and len(title) < 500  # the rest of its row still counts
    _works_afterwards(tmp_path)
    again = ingest([bad], tmp_path / "index", HashEmbedder())  # said again until it is fixed
    assert again.unchanged == [paper] and [n for _, n in again.notes] == [n for _, n in report.notes]


def test_an_impossible_manifest_date_is_named_and_the_papers_own_date_stands(tmp_path, hash_env):
    bad, good, report = _ingest_two_folders(tmp_path, "Parking", date="2024-02-30")
    paper = str(bad / "minutes.txt")
    assert sorted(report.added) == [paper, str(good / "other.txt")] and report.failed == []
    assert report.notes == [(paper, f"{bad / 'manifest.csv'}: the date for minutes.txt, '2024-02-30', is not a "
                                    "real day. Correct it (like 2024-01-04); until then the paper's own date is used.")]
    a = Archive(tmp_path / "index")
    assert a.db.execute("SELECT date FROM papers WHERE source = ?", (paper,)).fetchone()[0] == "2024-09-12"
    a.close()
    _works_afterwards(tmp_path)


def test_a_manifest_that_cannot_be_read_is_named_and_the_paper_still_added(tmp_path, hash_env):
    bad, good, _ = _ingest_two_folders(tmp_path, "Parking")
    (bad / "manifest.csv").write_bytes(b"file,title\nminutes.txt,\xff\xfe broken\n")
    (bad / "minutes.txt").write_text(MINUTES + "3 Any other business\nNone.\n")
    report = ingest([bad, good], tmp_path / "index", HashEmbedder())
    paper = str(bad / "minutes.txt")
    assert report.updated == [paper] and report.failed == []
    [(source, line)] = report.notes
    assert source == paper and line.startswith(f"{bad / 'manifest.csv'}: cannot be read (")
    assert line.endswith("). Fix or remove it; until then the papers beside it keep their own metadata.")
    with pytest.raises(CorrectionError, match="cannot be read"):  # never rewritten over what it holds
        write_correction(bad / "minutes.txt", {"committee": "Cabinet"})
    _works_afterwards(tmp_path)


def test_check_names_a_stored_date_that_is_no_real_day(tmp_path, hash_env):
    bad, _, _ = _ingest_two_folders(tmp_path, "Parking")
    gen = Archive(tmp_path / "index").manifest.generation
    db = sqlite3.connect(tmp_path / "index" / gen / "archive.sqlite")
    db.execute("UPDATE papers SET date = '2024-02-30' WHERE source = ?", (str(bad / "minutes.txt"),))
    db.commit()
    db.close()
    assert check(tmp_path / "index") == [
        f"1 papers have a date that is no real day ({bad / 'minutes.txt'}: 2024-02-30): "
        "correct it beside the file and re-run ingest on it"]
