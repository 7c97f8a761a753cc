"""The same text under two names is one hit, the other listed in ``also_in``: a report and the
agenda pack that carries it, and a report saved twice (real model, real search)."""
from pathlib import Path

import pytest

REPORT = """Report to Transport and Connectivity Committee

Workplace Parking Levy Update

1. This report updates the committee on the outline business case for a workplace parking levy.

2. A competitive tendering exercise has been completed to appoint a consultant to assist with the
project. Five consultants were invited to tender, and two submitted a bid. Systra have been awarded
the work, and an inception meeting was held with them on 17th September 2025.

3. Approximately £100k is allocated to be spent on the project in 2025/26.
"""

OTHER = """Report to Transport and Connectivity Committee

Residents Parking Schemes

1. The committee is asked to approve an increase of £56 to £124 for first vehicle permit tariffs.

2. Pay and display charges in residents parking zones will rise in line with the tariff review.
"""


@pytest.fixture(scope="module")
def archive_with_copies(tmp_path_factory):
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers = tmp_path_factory.mktemp("dup-papers")
    (papers / "wpl-update.txt").write_text(REPORT)
    (papers / "agenda-pack-october.txt").write_text("Agenda pack\n\n" + REPORT + "\n\n" + OTHER)
    (papers / "wpl-update (1).txt").write_text(REPORT)
    folder = tmp_path_factory.mktemp("dup-index") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CS_ARCHIVE_MODEL", raising=False)
        report = ingest([papers], folder, get_embedder())
    return folder, report


@pytest.mark.model
def test_a_file_saved_twice_is_named_once_with_the_reason(archive_with_copies, real_env):
    _, report = archive_with_copies
    assert len(report.failed) == 1
    path, why = report.failed[0]
    assert Path(path).name in ("wpl-update.txt", "wpl-update (1).txt") and "already in the archive" in why


@pytest.mark.model
def test_a_paragraph_in_a_report_and_its_pack_is_one_hit(archive_with_copies, real_env):
    from cs_archive.embed import get_embedder
    from cs_archive.index import open_archive
    from cs_archive.search import search

    folder, _ = archive_with_copies
    hits = search(open_archive(folder), get_embedder(), "Which consultancy was appointed for the parking levy?",
                  k=5, highlights=False)
    systra = [h for h in hits if "Systra" in h.text]
    assert len(systra) == 1, [(h.source, h.text[:40]) for h in hits]
    names = {Path(systra[0].source).name} | {Path(d["source"]).name for d in systra[0].also_in}
    assert "agenda-pack-october.txt" in names and len(names) == 2
    assert hits[0] is systra[0]
