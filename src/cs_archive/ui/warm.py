"""The language model, loaded in the background from the app's first run.

``start()`` begins loading the embedder (and embeds one query, so the first search pays for
nothing) on a thread of its own, once per process and model; ``embedder()`` waits for it. The
app calls ``start()`` before it imports its pages, so the load overlaps importing them, opening
the archive and drawing the search box and filters, instead of following them. The first call
also starts a second thread that imports what the first search imports besides the model
(NLTK's Snowball stemmer for the lexical arm and Punkt for the highlights: about 0.3 s quiet,
0.7 s loaded, otherwise paid inside the first search), so the two overlap too; pages wait for
it (``text_tools_ready``) before they can use NLTK. A failed load
is not remembered: the next call tries again (as ``st.cache_resource`` would), and the page
shows the error as it would have without the thread.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future

_lock = threading.Lock()
_loads: dict[tuple[str, str], Future] = {}


def _key(name: str | None) -> tuple[str, str]:
    """The model and $CS_ARCHIVE_BACKEND as set (resolved by ``get_embedder`` on the thread, so
    that this thread need not import numpy and the embedding code first)."""
    from ..config import model_name

    return name or model_name(), os.environ.get("CS_ARCHIVE_BACKEND") or ""


_text_tools: list[threading.Thread] = []


def start(name: str | None = None) -> Future:
    """Begin loading the model named ``name`` (default: $CS_ARCHIVE_MODEL) unless it is loading or
    loaded, and (once per process) the search's text tools."""
    key = _key(name)
    with _lock:
        if not _text_tools:
            _text_tools.append(threading.Thread(target=_load_text_tools, name="cs-archive-text-tools", daemon=True))
            _text_tools[0].start()
        f = _loads.get(key)
        if f is None:
            f = _loads[key] = Future()
            threading.Thread(target=_load, args=(key, f), name="cs-archive-model", daemon=True).start()
    return f


def _load(key: tuple[str, str], f: Future) -> None:
    try:
        from ..embed import get_embedder

        e = get_embedder(key[0], key[1] or None)
        e.embed_query("warm up")
        f.set_result(e)
    except BaseException as exc:  # noqa: BLE001 — handed to whoever waits, who shows it
        f.set_exception(exc)


def _load_text_tools() -> None:
    """Import NLTK's Snowball stemmer and Punkt, lean (``nltk_import``), as the first search
    would. Only NLTK is imported here, never cs-archive's own modules, which the page's script is
    importing at the same time (two threads importing one package's modules in different orders
    could meet Python's import deadlock check). Each module loads once per process, so a search
    that starts first simply waits for the import under way. Nothing here can change a result; a
    failure is left for the search itself to meet and show."""
    try:
        from ..nltk_import import nltk_module

        nltk_module("nltk.stem.snowball")
        nltk_module("nltk.tokenize.punkt")
    except Exception:  # noqa: BLE001 — the first search imports these again and shows any error
        pass


def text_tools_ready() -> None:
    """Wait for ``start()``'s NLTK imports, if started. Whatever may use NLTK on a page calls this
    first: ``nltk_import`` loads NLTK under a lock only while ``nltk`` is not yet in
    ``sys.modules``, and Python does not wait for a package still being initialised by another
    thread before importing its submodules, so NLTK used during that thread's import could meet
    half-loaded modules (or load them without ``nltk_import``'s lean guard)."""
    with _lock:
        t = _text_tools[0] if _text_tools else None
    if t is not None and t is not threading.current_thread():
        t.join()


def embedder(name: str | None = None):
    """The loaded embedder: waits for ``start()``'s thread (starting it when nobody has)."""
    f = start(name)
    try:
        return f.result()
    except BaseException:
        with _lock:
            if _loads.get(_key(name)) is f:
                del _loads[_key(name)]
        raise
