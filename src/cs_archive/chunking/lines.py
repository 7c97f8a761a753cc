"""A text's lines, found once and cut out when asked for."""
from __future__ import annotations

import re
from array import array
from collections.abc import Sequence

_NEWLINE = re.compile("\n")


class Lines(Sequence):
    """``lines[k]`` is ``(start, end, line)``: the k-th line of ``text`` (``text.split("\\n")``)
    and its span. Only where each line starts is stored (8 bytes a line), and a line's text is
    cut out when it is read: a paper of thousands of pages is not copied line by line into
    hundreds of thousands of objects. A slice gives a list of such tuples."""

    __slots__ = ("text", "_starts")

    def __init__(self, text: str):
        self.text = text
        self._starts = array("q", [0])
        self._starts.extend(m.end() for m in _NEWLINE.finditer(text))

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self._starts):
            raise IndexError(k)
        a = self._starts[k]
        b = self._starts[k + 1] - 1 if k + 1 < len(self._starts) else len(self.text)
        return a, b, self.text[a:b]
