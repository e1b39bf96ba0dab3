"""Parsing runs in a separate process: a file that takes too long is stopped, and the next works."""

from __future__ import annotations

import threading
import time

import pytest

from core.documents import Limits, load
from core.errors import ParseTimeoutError
from tests.core.documents import files


def test_a_parse_over_the_time_limit_is_stopped_and_the_next_file_loads(tmp_path):
    huge = files.write_text(tmp_path / "huge.txt", "\n\n".join(files.paragraphs(60_000, 40)))
    small = files.write_text(tmp_path / "small.txt", "Small and quick.")
    load(small)  # start the reader process so its start-up is not counted below

    start = time.monotonic()
    with pytest.raises(ParseTimeoutError) as caught:
        load(huge, limits=Limits(timeout_s=0.1))
    assert time.monotonic() - start < 5
    assert "huge.txt" in str(caught.value) and "0.1 seconds" in str(caught.value)

    assert load(small).pages[0].text == "Small and quick."


def test_cancel_stops_a_parse_at_once(tmp_path):
    huge = files.write_text(tmp_path / "huge.txt", "\n\n".join(files.paragraphs(60_000, 40)))
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(InterruptedError):
        load(huge, cancel=cancel)
    assert time.monotonic() - start < 3
