"""The app's first page loads only what it needs (issue 6, start-up; timings in bench/startup.py).

A fresh interpreter runs app.py through Streamlit's AppTest on ``?q=``, as the first visitor
of a newly started server would, and reports what it imported: the search page must show its
cards and highlights without torch or sentence-transformers (the ONNX query path), pandas,
pyarrow or altair, pypdf, or the commitments register (imported when its page is opened). The
timeline is drawn only when its tab is opened (so the browser loads Vega only then), and then
as a plain Vega-Lite spec, still without pandas, pyarrow or altair.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "transformers", "pandas", "pyarrow", "altair", "pypdf",
         "cs_archive.commitments")
SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=180)
at.query_params["q"] = sys.argv[2]
at.run()
if len(sys.argv) > 3:  # then open this tab, as a click on it would
    assert not at.exception, at.exception
    at.session_state["w_tab"] = sys.argv[3]
    at.run()
assert not at.exception, at.exception
md = [m.value for m in at.markdown]
print(json.dumps({
    "cards": [v for v in md if v.startswith("**") and v[2:3].isdigit()],
    "marked": sum("csa-passage" in v and "<mark>" in v for v in md),
    "charts": [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")],
    "heavy": sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in %r)),
}))
""" % (HEAVY,)


def first_page(index: Path, query: str, *tab: str, **env) -> dict:
    full = {k: v for k, v in os.environ.items() if k not in ("CS_ARCHIVE_STORE", "CS_ARCHIVE_MODEL", "CS_ARCHIVE_BACKEND")}
    full.update(CS_ARCHIVE_INDEX=str(index), HF_HUB_OFFLINE="1", **env)
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "app.py"), query, *tab], capture_output=True,
                       text=True, env=full, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.model
def test_first_search_page_imports_nothing_heavy(seed_index):
    page = first_page(seed_index, "how many children are in care per 10,000")  # the real model, ONNX
    assert page["cards"][0].startswith("**1. Cabinet · 4 January 2024 · Children's Services Update · para 2.23")
    assert page["marked"] >= 3  # the highlights, marked after the cards were drawn
    assert page["charts"] == []  # the timeline waits for its tab
    assert page["heavy"] == []


def test_timeline_is_a_vega_lite_chart_of_the_meetings(hash_env, tmp_path):
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    index = tmp_path / "index"
    assert not ingest([ROOT / "seeds"], index, get_embedder()).failed
    assert first_page(index, "children in care", CS_ARCHIVE_MODEL="hash")["charts"] == []
    page = first_page(index, "children in care", "Timeline", CS_ARCHIVE_MODEL="hash")
    (chart,) = page["charts"]
    (layer,) = chart["layer"]
    rows = layer["data"]["values"]
    assert rows and all(set(r) == {"date", "committee", "passages", "best"} for r in rows)
    assert layer["encoding"]["x"]["field"] == "date" and layer["encoding"]["y"]["field"] == "committee"
    assert page["heavy"] == []


WARM = """
import asyncio, json, sys, threading
from cs_archive.ui import startup, warm

async def serve():
    async with startup.lifespan(None):  # as the server's start-up hook runs it
        pass
asyncio.run(serve())
for t in threading.enumerate():
    if t.name == "cs-archive-warm":
        t.join(timeout=300)
from cs_archive.ui import common

def not_again(*a, **kw):
    raise AssertionError("the archive was opened again")
common.open_archive = not_again  # the page's archive() must find it open already
print(json.dumps({
    "loaded": [m for m in ("cs_archive.ui.pages.search", "cs_archive.search", "nltk") if m in sys.modules],
    "model": warm.start().done() and warm.start().exception() is None,
    "archive open": common.archive().manifest.counts.get("papers", 0) > 0,
    "heavy": sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in %r)),
}))
""" % (HEAVY,)


def test_the_server_prepares_the_first_search_before_any_visitor(hash_env, tmp_path):
    """`streamlit run app.py` finds the server in app.py (st.App), whose start-up hook loads the
    search code, NLTK and the model, and opens the archive, before the first browser connects."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    assert discover_asgi_app(ROOT / "app.py").import_string == "app:app"
    index = tmp_path / "index"
    assert not ingest([ROOT / "seeds"], index, get_embedder()).failed
    env = {k: v for k, v in os.environ.items() if k not in ("CS_ARCHIVE_STORE", "CS_ARCHIVE_BACKEND")}
    env.update(CS_ARCHIVE_INDEX=str(index), CS_ARCHIVE_MODEL="hash")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    r = subprocess.run([sys.executable, "-c", WARM], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got == {"loaded": ["cs_archive.ui.pages.search", "cs_archive.search", "nltk"], "model": True,
                   "archive open": True, "heavy": []}
