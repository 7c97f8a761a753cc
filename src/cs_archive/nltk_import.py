"""Import NLTK's stemmer and sentence splitter without the scientific stack.

``import nltk`` runs the package's ``__init__``, which imports nearly every NLTK module, and
through them scipy, scikit-learn and pandas: about 7 s on these machines, most of a search's
start-up, for a stemmer and Punkt that use none of them. Every such import in NLTK is optional
(``try: from scipy.stats import … except ImportError``), so while NLTK loads, this module makes
those packages unimportable *for the importing thread only*; NLTK falls back to its own stubs in
the parts cs-archive never calls, and the packages import normally afterwards (or were already
loaded, in which case nothing changes). Measured in ``docs/performance.md`` (start-up).
"""
from __future__ import annotations

import importlib
import importlib.abc
import sys
import threading

OPTIONAL = ("scipy", "sklearn", "pandas", "matplotlib")
_lock = threading.Lock()


class _Skip(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name, path=None, target=None):
        if threading.get_ident() == self.thread and name.partition(".")[0] in OPTIONAL:
            raise ImportError(f"{name} is not loaded for NLTK (cs_archive.nltk_import)")
        return None


def nltk_module(name: str):
    """``importlib.import_module(name)`` for an ``nltk.…`` module, loading NLTK lean."""
    if "nltk" not in sys.modules:
        with _lock:
            if "nltk" not in sys.modules:
                skip = _Skip()
                sys.meta_path.insert(0, skip)
                try:
                    importlib.import_module("nltk")
                finally:
                    sys.meta_path.remove(skip)
    return importlib.import_module(name)
