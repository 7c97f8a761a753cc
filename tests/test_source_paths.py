"""A paper ingested by a relative path is found again from any folder: the archive records
where each file is (absolute) beside the source as given, so an app started elsewhere can show
the original and write a correction beside it, and the re-read keeps the paper's source."""
from __future__ import annotations

import csv
import os
from pathlib import Path

from cs_archive import explore
from cs_archive.corrections import correct
from cs_archive.embed import HashEmbedder
from cs_archive.index import open_archive
from cs_archive.ingest import ingest

PAPER = ("Report to Cabinet\n\nDate: 4 January 2024\n\nTitle: Library opening hours\n\n1. Purpose\n\n"
         "1.1 This report proposes longer library opening hours at the Riverside branch.\n")


def test_a_relative_source_is_found_and_corrected_from_another_folder(tmp_path, monkeypatch):
    (tmp_path / "here" / "papers").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "here" / "papers" / "report.txt").write_text(PAPER, encoding="utf-8")
    index = tmp_path / "index"
    monkeypatch.chdir(tmp_path / "here")
    assert ingest([Path("papers")], index, HashEmbedder()).added == [os.path.join("papers", "report.txt")]

    monkeypatch.chdir(tmp_path / "elsewhere")  # the app started from another folder
    (info,) = explore.catalogue(open_archive(index))
    assert info.source == os.path.join("papers", "report.txt")  # as given to ingest (CONTRACT.md)
    assert Path(info.path) == tmp_path / "here" / "papers" / "report.txt" and Path(info.path).is_file()

    done = correct(info.path, {"committee": "Cabinet Member for Culture"}, folder=index, embedder=HashEmbedder(),
                   source=info.source)
    assert done.manifest == tmp_path / "here" / "papers" / "manifest.csv"
    assert done.report.failed == [] and done.report.updated == [info.source]
    (again,) = explore.catalogue(open_archive(index))
    assert (again.source, again.committee, again.path) == (info.source, "Cabinet Member for Culture", info.path)
    with open(done.manifest, newline="", encoding="utf-8") as f:
        assert [r["file"] for r in csv.DictReader(f)] == ["report.txt"]
