"""Shared fixtures.

- ``seed_index``: ``seeds/`` ingested once per session with the real model (slow: about a
  minute on two cores), for the end-to-end tests marked ``model``.
- ``hash_env``: the fast deterministic HashEmbedder, for tests of the mechanics.
- ``cli`` runs ``cs-archive`` in this process; ``cli_subprocess`` runs ``.venv/bin/cs-archive``.
- ``free_port`` and ``streamlit_app``: the real app served on 127.0.0.1, for the browser tests.

Only the standard library and pytest are imported here, so collection stays instant.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CLI_EXE = next((p for p in (ROOT / ".venv" / "bin" / "cs-archive", Path(sys.executable).parent / "cs-archive")
               if p.exists()), ROOT / ".venv" / "bin" / "cs-archive")
REAL_MODEL = "all-MiniLM-L6-v2"


def shared_file(rel: str) -> Path:
    """A file of the team's shared folder (CONTRACT.md, eval/): ``$CS_ARCHIVE_SHARED``, else
    ``../shared`` beside the checkout. Skips the test when neither has it (a bare clone)."""
    for base in (os.environ.get("CS_ARCHIVE_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if base and (Path(base) / rel).exists():
            return Path(base) / rel
    pytest.skip(f"shared/{rel} is not beside this checkout (set CS_ARCHIVE_SHARED)")


def open_page(at, url_path: str):
    """Have the app's next ``at.run()`` open its page at ``url_path`` ("paper", "add", …), as a
    click in the menu would. ``AppTest.switch_page`` opens pages given as files; the app's pages
    are functions (``st.Page(render, url_path=…)``), which Streamlit knows by the hash of their
    url_path. Run the app once first; ValueError when its navigation holds no such page (the
    Add page, for a viewer who may not edit)."""
    from streamlit.util import calc_hash

    page_hash = calc_hash(url_path)
    if page_hash not in at._registered_pages:
        raise ValueError(f"Could not find a navigation page at {url_path!r}")
    at._page_hash = page_hash
    return at


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def seeds_changed_later(archive: Path, tmp_path: Path, emb, changed: str, extra: str) -> tuple[Path, Path]:
    """A copy of an archive of the seeds (as ``tmp_path / "index"``), the paper whose chunks
    have the highest ids removed from it (freeing ids that new chunks may take), and a folder
    of the seeds to ingest again (``tmp_path / "papers"``): one of them with ``changed`` added
    as a paragraph, and a new paper "zz_extra.txt" holding ``extra``."""
    import shutil

    from cs_archive.index.store import Archive
    from cs_archive.ingest import remove

    copy, papers = tmp_path / "index", tmp_path / "papers"
    shutil.copytree(archive, copy)
    papers.mkdir()
    for f in (ROOT / "seeds").iterdir():
        if f.suffix in (".html", ".htm", ".txt"):
            shutil.copy(f, papers / f.name)
    first = next(papers.iterdir())
    first.write_text(first.read_text() + f"\n<p>{changed}</p>\n")
    (papers / "zz_extra.txt").write_text(f"Report to Cabinet\n\n1. {extra}\n")
    last = Archive(copy).db.execute(
        "SELECT p.source FROM chunks c JOIN papers p USING(doc_id) ORDER BY c.id DESC LIMIT 1").fetchone()[0]
    assert remove([last], copy, emb.name, emb.dim) == [last]
    return copy, papers


def _clear_embedder_cache() -> None:
    from cs_archive.embed import get_embedder

    get_embedder.cache_clear()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """``seeds/`` ingested with the real model; the archive folder. Treat it as read-only."""
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    folder = tmp_path_factory.mktemp("seed-index") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CS_ARCHIVE_MODEL", raising=False)
        _clear_embedder_cache()
        embedder = get_embedder()
        assert embedder.name == REAL_MODEL
        report = ingest([SEEDS], folder, embedder)
    assert not report.failed, report.failed
    assert len(report.added) == 5
    return folder


@pytest.fixture
def real_env(monkeypatch):
    """The default (real) model configured, whatever the calling environment says."""
    monkeypatch.delenv("CS_ARCHIVE_MODEL", raising=False)
    monkeypatch.delenv("CS_ARCHIVE_STORE", raising=False)
    from cs_archive.embed import get_embedder

    if get_embedder().name != REAL_MODEL:  # a cached stand-in from elsewhere
        _clear_embedder_cache()


@pytest.fixture
def hash_env(monkeypatch):
    """CS_ARCHIVE_MODEL=hash: fast deterministic vectors, no model load."""
    monkeypatch.setenv("CS_ARCHIVE_MODEL", "hash")
    monkeypatch.delenv("CS_ARCHIVE_STORE", raising=False)
    _clear_embedder_cache()
    yield
    _clear_embedder_cache()  # never leave the stand-in cached for a real-model test


@pytest.fixture
def cli(capsys):
    """Run ``cs-archive ARGS...`` in this process: ``cli("search", "x", "--index", d)``."""
    from cs_archive.cli import main

    def run(*args) -> CliResult:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse: usage errors and --help
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@pytest.fixture
def cli_subprocess():
    """Run the installed ``cs-archive`` script (or, with ``python=True``, ``python ARGS``)."""

    def run(*args, env: dict | None = None, python: bool = False, cwd: Path = ROOT,
            timeout: float = 300) -> CliResult:
        cmd = [sys.executable if python else str(CLI_EXE), *map(str, args)]
        full_env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        # This checkout's code, even when the venv's editable install points at another one.
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
        full_env.update(env or {})
        r = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout)
        return CliResult(r.returncode, r.stdout, r.stderr)

    return run


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL + pgvector server for the session (tests/pgserver.py), stopped by PID
    at the end. Skips, saying why, only when one cannot be started here."""
    from pgserver import PgServer, PgUnavailable

    try:
        server = PgServer.start()
    except PgUnavailable as e:
        pytest.skip(f"PostgreSQL tests skipped: {e}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, request):
    """A fresh empty database on the session's server, dropped after the test."""
    import re

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50] + f"_{os.getpid()}"
    pg_server.drop(name)
    yield pg_server.url(name)
    pg_server.drop(name)


@pytest.fixture(autouse=True)
def _own_ocr_cache(tmp_path_factory, monkeypatch):
    """Each test reads scans into a cache of its own, never the user's (~/.cache)."""
    monkeypatch.setenv("CS_ARCHIVE_OCR_CACHE", str(tmp_path_factory.mktemp("ocr-cache")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_app(port: int, env: dict, log_path: Path, *args: str, drop: tuple[str, ...] = (),
                  echo_log: bool = False):
    """``streamlit run app.py`` on 127.0.0.1:``port`` (extra ``args``) with this process's
    environment plus ``env``, less ``drop``, and this checkout's code first on the path; its URL
    once healthy, until the block ends. ``echo_log``: print the server's log at the end (pytest
    shows it when a test failed)."""
    full = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **env)
    for name in drop:
        full.pop(name, None)
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    log = open(log_path, "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *args], cwd=ROOT, env=full, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"streamlit did not start:\n{log.read()[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if echo_log:
            log.seek(0)
            sys.stdout.write(log.read()[-4000:])
        log.close()
