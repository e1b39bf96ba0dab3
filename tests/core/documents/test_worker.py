"""The parser process: a stuck, crashed or cancelled parse never takes the app down with it, and
the next file loads normally."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

import core.documents
from core.documents import Limits, load, read
from core.documents.worker import ParserProcess
from core.errors import DocumentError, ParserCrashedError, ParseTimeoutError
from tests.core.documents import files
from tests.core.documents.checks import assert_user_message

MB = 1000**2


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory):
    """400 full pages: long enough (over a second to parse) to cancel or kill mid-way."""
    pages = ["\n\n".join(files.paragraphs(6, words=60, tag=f"Page {n}")) for n in range(1, 401)]
    return files.write_pdf(tmp_path_factory.mktemp("long") / "long report.pdf", pages)


@pytest.fixture
def small_text(make_text):
    return make_text("after.txt", "The next file still loads.\n")


def _parser_pids() -> list[int]:
    """Live child processes of this test process that run the document parser (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ")
        except OSError:  # exited while we looked
            continue
        if (
            int(ppid) == os.getpid()
            and state != "Z"
            and (b"core.documents.worker" in command or b"--parser-worker" in command)
        ):
            pids.append(int(entry))
    return pids


linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="finds the parser process and caps its memory the Linux way"
)


def _when_parsing_starts(action, progressed: threading.Event, fallback_s: float = 0.5):
    """Run `action` in another thread once the parser reports progress (or after fallback_s)."""
    done_at: list[float] = []

    def run():
        progressed.wait(timeout=fallback_s)
        action()
        done_at.append(time.monotonic())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done_at


def test_load_gives_the_same_document_as_read(make_text):
    path = make_text("same.txt", "\n\n".join(files.paragraphs(30)))
    assert load(path) == read(path)


def test_after_a_timeout_the_next_file_loads(make_text, small_text):
    path = make_text("slow.txt", "Any text at all.\n")
    with pytest.raises(ParseTimeoutError) as error:
        load(path, limits=Limits(timeout_s=0))
    assert_user_message(error.value, path)
    assert "longer than" in str(error.value)
    assert "The next file still loads." in load(small_text).text


def test_a_long_parse_is_stopped_at_about_the_time_limit(long_pdf, small_text):
    load(small_text)  # a warm parser process, so only the parse itself is timed
    started = time.monotonic()
    with pytest.raises(ParseTimeoutError) as error:
        load(long_pdf, limits=Limits(timeout_s=0.3))
    elapsed = time.monotonic() - started
    assert elapsed < 0.3 + 1.5, f"stopped after {elapsed:.1f} s"
    assert_user_message(error.value, long_pdf)
    assert "0.3 seconds" in str(error.value)
    assert "The next file still loads." in load(small_text).text


def test_the_same_parser_process_recovers_from_a_timeout(make_text, small_text):
    parser = ParserProcess()
    try:
        with pytest.raises(ParseTimeoutError):
            parser.parse(make_text("slow.txt", "text\n"), limits=Limits(timeout_s=0))
        assert "still loads" in parser.parse(small_text).text
    finally:
        parser.close()


@linux_only
def test_a_file_needing_more_memory_than_allowed_fails_cleanly(make_text, small_text):
    path = make_text("huge.txt", "a line of text\n" * (60 * MB // 15))  # 60 MB
    with pytest.raises(DocumentError) as error:
        load(path, limits=Limits(max_memory_bytes=50 * 1024**2))
    assert_user_message(error.value, path)
    assert "The next file still loads." in load(small_text).text
    assert "still loads" in load(small_text, limits=Limits(max_memory_bytes=50 * 1024**2)).text


@linux_only
def test_the_same_parser_process_recovers_from_running_out_of_memory(make_text, small_text):
    parser = ParserProcess()
    limits = Limits(max_memory_bytes=50 * 1024**2)
    try:
        with pytest.raises(DocumentError):
            parser.parse(make_text("huge.txt", "x" * 60 * MB), limits=limits)
        assert "still loads" in parser.parse(small_text, limits=limits).text
    finally:
        parser.close()


@linux_only
def test_a_parser_that_dies_mid_file_is_reported_and_replaced(long_pdf, small_text):
    load(small_text)
    (child,) = _parser_pids()
    progressed = threading.Event()
    thread, _ = _when_parsing_starts(lambda: os.kill(child, signal.SIGKILL), progressed)
    with pytest.raises(ParserCrashedError) as error:
        load(long_pdf, on_progress=lambda *_: progressed.set())
    thread.join()
    assert_user_message(error.value, long_pdf)
    assert "stop unexpectedly" in str(error.value)
    assert "The next file still loads." in load(small_text).text


@linux_only
def test_a_parser_that_died_between_files_is_replaced(small_text):
    load(small_text)
    (child,) = _parser_pids()
    os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while child in _parser_pids() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "The next file still loads." in load(small_text).text
    (replacement,) = _parser_pids()
    assert replacement != child  # read by a new parser process, not by the dead one


@linux_only
def test_a_parser_killed_just_before_the_next_file_does_not_fail_that_file(small_text):
    # No wait between the kill and the next file: the dead process may not have reported its
    # death yet, so the file is sent to it; the file must still be read (by a fresh parser).
    for _ in range(5):
        load(small_text)
        (child,) = _parser_pids()
        os.kill(child, signal.SIGKILL)
        assert "The next file still loads." in load(small_text).text


def test_cancelling_from_another_thread_stops_the_parse_quickly(long_pdf, small_text):
    load(small_text)
    cancel = threading.Event()
    progressed = threading.Event()
    thread, cancelled_at = _when_parsing_starts(cancel.set, progressed)
    with pytest.raises(InterruptedError):
        load(long_pdf, cancel=cancel, on_progress=lambda *_: progressed.set())
    stopped_at = time.monotonic()
    thread.join()
    assert stopped_at - cancelled_at[0] < 1.0, "the parse went on after it was cancelled"
    assert "The next file still loads." in load(small_text).text


def test_a_parse_cancelled_before_it_starts_reads_nothing(small_text):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InterruptedError):
        load(small_text, cancel=cancel)
    assert "still loads" in load(small_text).text


@linux_only
def test_shutdown_stops_the_parser_and_the_next_load_starts_a_new_one(small_text):
    load(small_text)
    (first,) = _parser_pids()
    core.documents.shutdown()
    assert not _parser_pids()
    assert "still loads" in load(small_text).text
    (second,) = _parser_pids()
    assert second != first
