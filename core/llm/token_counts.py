"""Token counts of long texts, kept by the text's content.

Every question is routed by the size of the selection in the model's tokens (core.modes.router),
and counting a 1,000-page manual (~460,000 tokens) takes ~1.5 s here: on a second `longread ask`
about the same file that was a quarter of the wait for the first word. A count depends only on
the text and the tokenizer, so long texts' counts are kept in memory and, where a folder is
given, on disk (a small JSON file a tokenizer; only digests and numbers, never text). A damaged
or missing file is counted again, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

LONG = 20_000  # characters: shorter texts are counted each time (a few ms)
KEPT = 2_000  # counts kept a tokenizer, the least recently counted dropped first


class TokenCounts:
    """`count(text)`, remembered for long texts. `directory` None keeps counts in memory only."""

    def __init__(self, count: Callable[[str], int], directory: Path | None = None) -> None:
        self._count = count
        self._file = directory / "counts.json" if directory is not None else None
        self._known: OrderedDict[str, int] | None = None  # read from the file on first use
        self._lock = threading.Lock()

    def __call__(self, text: str) -> int:
        if len(text) < LONG:
            return self._count(text)
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        with self._lock:
            known = self._load()
            if key in known:
                known.move_to_end(key)
                return known[key]
        tokens = self._count(text)
        with self._lock:
            known[key] = tokens
            while len(known) > KEPT:
                known.popitem(last=False)
            self._save(known)
        return tokens

    def _load(self) -> OrderedDict[str, int]:
        if self._known is None:
            self._known = OrderedDict()
            if self._file is not None:
                try:
                    stored = json.loads(self._file.read_text(encoding="utf-8"))
                    self._known.update(
                        (str(k), int(v)) for k, v in stored.items() if isinstance(v, int)
                    )
                except (OSError, ValueError, AttributeError):
                    pass  # none yet, or damaged: counted again
        return self._known

    def _save(self, known: OrderedDict[str, int]) -> None:
        if self._file is None:
            return
        tmp = self._file.with_name(f"{self._file.name}.tmp{os.getpid()}")
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(known), encoding="utf-8")
            os.replace(tmp, self._file)  # whole or not at all, as every cache file here
        except OSError:  # a full or read-only disk: the count is kept in memory
            tmp.unlink(missing_ok=True)
