#!/usr/bin/env python3
"""Where the app's start-up goes: `streamlit run app.py` to the first page with results (issue 6).

    .venv/bin/python bench/startup.py [--index DIR] [--repeats N] [--no-browser | --browser-only] [--legacy] [--compare DIR]

Prints these tables:

1. **Steps in isolation**, each from a fresh interpreter, warm disk and warm ONNX export: importing
   Streamlit, the app's modules, opening the archive, the embedder's onnxruntime session, the
   search (highlights off), the highlights, the timeline's wider pool, and pandas/altair for the
   timeline chart. Also which heavy modules the query path imported (it must import none of
   torch, sentence_transformers, transformers, pypdf, pandas, altair, cs_archive.commitments).
1b. **The page's first run, server side**: Streamlit's AppTest runs app.py with ?q= in a fresh
   interpreter (no server, no browser); the least noisy single figure for the app's own work.
2. **Server phases** of one real start-up: `bench/startup_app.py` runs app.py unchanged with
   a few library calls wrapped to log when they end, seconds after `streamlit run`. When app.py
   is a server (`st.App`, whose start-up hook prepares the first search before any browser
   connects), a launcher gives startup_app.py the same hook, and logs when it is done.
3. **End to end in a browser**: Chromium (Selenium, started before the clock, as a user's browser
   is already open) loads /?q=children+in+care as soon as /_stcore/health answers; seconds from
   `streamlit run` to the server answering, the first result card, its highlights, and the
   script finished (Streamlit's "Running" indicator gone), and Chromium's main-thread time over the
   whole load (DevTools metrics: all tasks, and JavaScript compile and run). The floor beside it: a trivial
   three-line Streamlit app measured the same way. ``--legacy`` adds bench/run.py's original
   measurement (a fresh `chromium --dump-dom` per try, so it includes Chromium's own start).

The index defaults to $CS_ARCHIVE_INDEX, else BENCH_DIR/seeds-index, built from seeds/ when
missing. The machine is shared: the load average is printed with each table.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/cs-archive-bench"))
QUERY = "children in care"
HEAVY = ("torch", "sentence_transformers", "transformers", "pypdf", "pandas", "altair", "cs_archive.commitments")
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
VISIT_AFTER = 0.0  # seconds between the server answering and the browser's visit (--visit-after)
TRIVIAL = 'import streamlit as st\nst.title("Trivial")\nst.markdown("**1. Cabinet**")\n'


def env_for(index: Path, root: Path = ROOT) -> dict:
    env = dict(os.environ, CS_ARCHIVE_INDEX=str(index), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")]))
    env.pop("CS_ARCHIVE_MODEL", None)
    env.pop("CS_ARCHIVE_STORE", None)
    return env


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def table(title: str, rows: list[tuple]) -> None:
    print(f"\n{title} ({load()})")
    w = max(len(r[0]) for r in rows)
    for r in rows:
        print(f"  {r[0]:<{w}}  " + "  ".join(f"{x:>7.2f}" if isinstance(x, float) else f"{x}" for x in r[1:]))


# -- 1. steps in isolation ---------------------------------------------------------------------------
def steps() -> None:
    """Run in a fresh interpreter (--steps): the first page's work, one step at a time, as JSON."""
    t = time.perf_counter()
    out: dict = {}

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        out[name] = now - t
        t = now

    import streamlit  # noqa: F401
    lap("import streamlit")
    import cs_archive.ui.common  # noqa: F401
    import cs_archive.ui.pages.search  # noqa: F401
    lap("import the app's modules (ui.common, ui.pages.search)")
    from cs_archive.config import model_name
    from cs_archive.index import open_archive
    a = open_archive(os.environ["CS_ARCHIVE_INDEX"])
    a.check_model(model_name())
    lap("open the archive")
    from cs_archive.embed import get_embedder
    e = get_embedder(model_name())
    lap("embedder: onnxruntime session")
    e.embed_query("warm up")
    lap("embedder: first query embedding")
    from cs_archive.search import Filters, search
    search(a, e, QUERY, k=10, filters=Filters(), highlights=False)
    lap("search k=10, highlights off")
    search(a, e, QUERY, k=10, filters=Filters(), highlights=True)
    lap("search k=10 with highlights (first)")
    search(a, e, QUERY, k=10, filters=Filters(), highlights=True)
    lap("search k=10 with highlights (again)")
    search(a, e, QUERY, k=50, filters=Filters(), highlights=False)
    lap("timeline pool: search k=50, highlights off")
    out["heavy modules on the query path"] = [m for m in HEAVY if m in sys.modules]
    import altair  # noqa: F401
    import pandas  # noqa: F401
    lap("timeline chart: import pandas, altair")
    print(json.dumps(out))


APPTEST = """
import sys, time
t = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=180)
at.query_params["q"] = sys.argv[2]
at.run()
assert not at.exception, at.exception
assert any(m.value.startswith("**1. ") for m in at.markdown), "no result card"
print(time.perf_counter() - t)
"""


def bench_apptest(index: Path, repeats: int, compare: Path | None = None) -> None:
    """The whole first run of the page, server side only (Streamlit's AppTest, no browser):
    importing Streamlit, the app, the archive, the model, the search, highlights, the timeline."""
    roots = {"app.py": ROOT} | ({f"{compare}/app.py": compare} if compare else {})
    ts: dict[str, list[float]] = {name: [] for name in roots}
    for _ in range(repeats):
        for name, root in roots.items():
            r = subprocess.run([sys.executable, "-c", APPTEST, str(root / "app.py"), QUERY], capture_output=True,
                               text=True, env=env_for(index, root))
            if r.returncode:
                raise SystemExit(f"AppTest of {root / 'app.py'} failed: {r.stderr[-2000:]}")
            ts[name].append(float(r.stdout.strip().splitlines()[-1]))
    table(f"1b. The page's first run, server side (AppTest in a fresh interpreter, from before `import streamlit`; "
          f"median of {repeats})", [(name, statistics.median(x), f"  ({', '.join(f'{v:.2f}' for v in x)})")
                                    for name, x in ts.items()])


def bench_steps(index: Path, repeats: int) -> None:
    runs = []
    for _ in range(repeats):
        r = subprocess.run([sys.executable, __file__, "--steps"], capture_output=True, text=True, env=env_for(index))
        if r.returncode:
            raise SystemExit(f"steps failed: {r.stderr[-2000:]}")
        runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    heavy = runs[0].pop("heavy modules on the query path")
    for x in runs[1:]:
        x.pop("heavy modules on the query path")
    rows = [(k, statistics.median(x[k] for x in runs), f"  ({', '.join(f'{x[k]:.2f}' for x in runs)})") for k in runs[0]]
    table(f"1. Steps in isolation, seconds (median of {repeats} fresh interpreters)", rows)
    print(f"  heavy modules imported on the query path: {', '.join(heavy) or 'none'}")


# -- 2 and 3. the server and a browser ---------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100", "--disable-gpu"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)


PROBE = """
const main = document.querySelector('[data-testid="stMainBlockContainer"]');
const strong = main ? [...main.querySelectorAll('[data-testid="stMarkdownContainer"] strong')] : [];
return {title: !!document.querySelector('h1'),
        box: !!document.querySelector('input[aria-label="Ask a question or look up a phrase"]'),
        card: strong.some(s => /^1\\. \\S/.test(s.textContent)),
        mark: !!(main && main.querySelector('.csa-passage mark')),
        running: !!document.querySelector('[data-testid="stStatusWidget"]'),
        error: !!document.querySelector('[data-testid="stException"], [data-testid="stAlertContentError"]')};
"""


def _main_thread(driver) -> dict:
    """Chromium's cumulative main-thread time (DevTools Performance metrics): all tasks, and the
    part spent compiling and running JavaScript."""
    driver.execute_cdp_cmd("Performance.enable", {})
    m = {x["name"]: x["value"] for x in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
    return {"all tasks": m.get("TaskDuration", 0.0), "JavaScript": m.get("ScriptDuration", 0.0)}


def first_page(driver, script: Path, env: dict, log: Path | None = None, timeout: float = 180) -> dict:
    """Seconds from `streamlit run` to the health endpoint, the first card, its highlights, and done."""
    port = free_port()
    if log:
        env = dict(env, CS_ARCHIVE_STARTUP_LOG=str(log))
    t0 = time.time()
    env = dict(env, CS_ARCHIVE_STARTUP_T0=repr(t0))
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                               "--server.address", "127.0.0.1", "--server.port", str(port),
                               "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got: dict = {}
    driver.get("about:blank")
    busy = _main_thread(driver)
    try:
        url = f"http://127.0.0.1:{port}"
        while time.time() - t0 < timeout:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                    break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(f"streamlit run {script} exited with {server.returncode}")
                time.sleep(0.02)
        got["server answers /_stcore/health"] = time.time() - t0
        time.sleep(VISIT_AFTER)  # a visitor who comes later (--visit-after)
        driver.get(url + "/?q=" + QUERY.replace(" ", "+"))
        got["browser has loaded the page's scripts"] = time.time() - t0
        idle = 0
        while time.time() - t0 < timeout:
            s = driver.execute_script(PROBE)
            now = time.time() - t0
            if s["error"]:
                raise SystemExit("the page shows an error")
            if s["title"]:
                got.setdefault("page title shown", now)
            if s["box"]:
                got.setdefault("search box shown", now)
            if s["card"]:
                got.setdefault("first result card shown", now)
            if s["mark"]:
                got.setdefault("highlights shown", now)
            # "Running…" shows only after a moment: done = a card and half a second without it.
            idle = idle + 1 if s["card"] and not s["running"] else 0
            if idle >= 10:
                got["script finished"] = now - 0.5
                break
            time.sleep(0.05)
        after = _main_thread(driver)
        for k, v in busy.items():  # includes the probes' own half second of polling (a few ms)
            got[f"browser main thread busy: {k} (s, whole load)"] = after[k] - v
        return got
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


PHASES_SERVER = """
import os, time
import streamlit as st

if __name__ == "__main__":
    import runpy
    runpy.run_path(%r, run_name="__main__")
else:  # the server, as app.py's: its start-up hook, and when its work is done
    from cs_archive.ui import startup

    def prepare(_prepare=startup.prepare):
        _prepare()
        seconds = time.time() - float(os.environ["CS_ARCHIVE_STARTUP_T0"])
        with open(os.environ["CS_ARCHIVE_STARTUP_LOG"], "a") as f:
            f.write(f"server start-up hook done (startup.prepare)\\t{seconds:.3f}\\n")

    startup.prepare = prepare
    app = st.App(__file__, lifespan=startup.lifespan)
"""


def phases_script(root: Path, tmp: Path) -> Path:
    """bench/startup_app.py, run as the app at ``root`` runs: behind a server with app.py's
    start-up hook when app.py is one (st.App)."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    plain = ROOT / "bench" / "startup_app.py"
    if not discover_asgi_app(root / "app.py").is_asgi_app:
        return plain
    script = tmp / "phases_server.py"
    script.write_text(PHASES_SERVER % str(plain))
    return script


def browser_runs(index: Path, repeats: int, compare: Path | None = None, with_phases: bool = True):
    """The trivial app, this checkout's app.py and (``compare``) another checkout's, interleaved:
    ({name: [first_page(), …]}, [(phase, seconds)], seconds to start the browser)."""
    t = time.time()
    driver = start_browser()
    started = time.time() - t
    roots = {"app.py": ROOT} | ({f"{compare}/app.py": compare} if compare else {})
    runs: dict[str, list] = {"trivial app": []} | {name: [] for name in roots}
    phases = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            trivial = Path(tmp) / "trivial.py"
            trivial.write_text(TRIVIAL)
            for _ in range(repeats):
                runs["trivial app"].append(first_page(driver, trivial, env_for(index)))
                for name, root in roots.items():
                    runs[name].append(first_page(driver, root / "app.py", env_for(index, root)))
            for name, root in roots.items() if with_phases else ():
                log = Path(tmp) / "phases.log"
                log.unlink(missing_ok=True)
                first_page(driver, phases_script(root, Path(tmp)),
                           dict(env_for(index, root), CS_ARCHIVE_STARTUP_APP=str(root / "app.py")), log)
                phases += [(f"{name}: {phase}", float(sec))
                           for phase, sec in (line.split("\t") for line in log.read_text().splitlines())]
    finally:
        driver.quit()
    return runs, phases, started


KEYS = ["server answers /_stcore/health", "browser has loaded the page's scripts", "page title shown",
        "search box shown", "first result card shown", "highlights shown", "script finished",
        "browser main thread busy: all tasks (s, whole load)", "browser main thread busy: JavaScript (s, whole load)"]


def median_of(runs: list[dict], key: str) -> float | None:
    xs = [r[key] for r in runs if key in r]
    return statistics.median(xs) if xs else None


def bench_browser(index: Path, repeats: int, compare: Path | None = None) -> None:
    runs, phases, started = browser_runs(index, repeats, compare)
    table("2. Server phases of one start-up (seconds after `streamlit run`; bench/startup_app.py)", phases)

    def med(xs, key):
        got = [r[key] for r in xs if key in r]
        return (median_of(xs, key), f"  ({', '.join(f'{x:.2f}' for x in got)})") if got else ("-", "")

    rows = [(f"trivial app: {k}", *med(runs["trivial app"], k)) for k in KEYS[:3] + ["first result card shown"] + KEYS[-2:]]
    rows += [(f"{name}: {k}", *med(xs, k)) for name, xs in runs.items() if name != "trivial app" for k in KEYS]
    visit = f"; the browser visits {VISIT_AFTER:g} s after the server answers" if VISIT_AFTER else ""
    table(f"3. `streamlit run` to the first page in Chromium, seconds (median of {repeats}; "
          f"browser started beforehand in {started:.2f} s{visit})", rows)


def legacy(index: Path, repeats: int, compare: Path | None = None) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import run

    rows = []
    for root in [ROOT] + ([compare] if compare else []):
        run.ROOT = root  # the app and src/ it starts
        ts = [run.streamlit_first_page(index) for _ in range(repeats)]
        ts = [x for x in ts if x is not None]
        rows.append((f"{root}/app.py", statistics.median(ts) if ts else "n/a (no chromium)",
                     f"  ({', '.join(f'{x:.2f}' for x in ts)})"))
    run.ROOT = ROOT
    table(f"bench/run.py's measurement: streamlit run → first page with results (median of {repeats}; "
          "a fresh `chromium --dump-dom` per try, Chromium's start included)", rows)


def seed_index() -> Path:
    if os.environ.get("CS_ARCHIVE_INDEX"):
        return Path(os.environ["CS_ARCHIVE_INDEX"])
    index = WORK / "seeds-index"
    if not (index / "manifest.json").exists():
        print(f"building the seed archive in {index}", file=sys.stderr)
        subprocess.run([sys.executable, "-c", "import sys; from cs_archive.cli import main; sys.exit(main())",
                        "ingest", str(ROOT / "seeds"), "--index", str(index)], check=True, env=env_for(index),
                       stdout=subprocess.DEVNULL)
    return index


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", type=Path, help="a seed archive (default: $CS_ARCHIVE_INDEX or BENCH_DIR/seeds-index)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-browser", action="store_true", help="only the steps in isolation")
    p.add_argument("--browser-only", action="store_true", help="only the server phases and the browser (tables 2, 3)")
    p.add_argument("--legacy", action="store_true", help="also bench/run.py's chromium --dump-dom measurement")
    p.add_argument("--compare", type=Path, help="another checkout (e.g. /work/main) whose app.py is measured "
                                                "alongside this one's, interleaved, for before/after figures")
    p.add_argument("--visit-after", type=float, default=0.0, metavar="S",
                   help="the browser visits S seconds after the server answers (times still count from `streamlit run`)")
    p.add_argument("--steps", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.steps:
        return steps()
    index = a.index or seed_index()
    global VISIT_AFTER
    VISIT_AFTER = a.visit_after
    # Warm: the ONNX export (made once per machine) and the disk cache.
    subprocess.run([sys.executable, __file__, "--steps"], env=env_for(index), check=True, capture_output=True)
    if not a.browser_only:
        bench_steps(index, a.repeats)
        bench_apptest(index, max(a.repeats, 5), a.compare and a.compare.resolve())
    if not a.no_browser:
        if not (CHROMIUM.exists() and CHROMEDRIVER.exists() and shutil.which(str(CHROMEDRIVER))):
            print("\n(no /usr/bin/chromium and /usr/bin/chromedriver: browser tables skipped)")
        else:
            bench_browser(index, a.repeats, a.compare and a.compare.resolve())
    if a.legacy:
        legacy(index, a.repeats, a.compare and a.compare.resolve())


if __name__ == "__main__":
    main()
