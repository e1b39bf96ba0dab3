"""Downloading models (`longread models pull`) from a stand-in hub on this machine: the file
arrives whole and checked, a cut connection resumes where it stopped, every failure says what
happened, Cancel leaves nothing behind, and nothing connects when the user said never."""

from __future__ import annotations

import errno
import importlib
import importlib.util
import json
import pickle
import random
import threading
import time
from pathlib import Path

import pytest
from huggingface_hub import constants, file_download
from huggingface_hub.utils import _http, close_session

from core import errors
from core.errors import (
    DiskFullError,
    DownloadCancelled,
    DownloadDamagedError,
    DownloadInterruptedError,
    HubFileNotFoundError,
    HubUnreachableError,
    ModelAccessError,
    ModelNotInstalledError,
    ModelRefError,
    NeverConnectError,
    NotEnoughSpaceError,
)
from core.llm import download
from core.llm.download import installed, parse_ref, pull, remove
from core.paths import models_dir
from core.settings import Settings
from tests.core.llm.hub import COMMIT, Hub, closed_port

REPO = "longread-test/Tiny-GGUF"
FILE = "tiny-Q8_0.gguf"
DATA = random.Random(0).randbytes(3 * 1024 * 1024 + 123)  # a bit over three chunks


class _Waits:
    """huggingface_hub's `time` module, minus the waiting: its retries wait 1 s and more before
    trying again; here each wait is recorded and `on_wait` runs instead."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.on_wait = None

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.on_wait is not None:
            self.on_wait()

    def __getattr__(self, name):
        return getattr(time, name)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch) -> _Waits:
    waits = _Waits()
    monkeypatch.setattr(file_download, "time", waits)
    monkeypatch.setattr(_http, "time", waits)
    monkeypatch.setattr(download, "RESUME_WAITS_S", (0.0,) * len(download.RESUME_WAITS_S))
    return waits


@pytest.fixture
def hub(monkeypatch):
    with Hub() as stand_in:
        monkeypatch.setenv("HF_ENDPOINT", stand_in.url)
        yield stand_in


def _folder_names() -> list[str]:
    return sorted(p.name for p in models_dir().iterdir()) if models_dir().exists() else []


def _leave_a_part(monkeypatch, quick_retries: _Waits, *, after: int = 1_500_000) -> int:
    """A pull whose connection is cut mid-file and whose hub then goes away for good, as when
    the line drops for longer than the retries last. Returns the bytes kept in the part."""
    gone = Hub()
    with gone:
        monkeypatch.setenv("HF_ENDPOINT", gone.url)
        gone.add(REPO, FILE, DATA)
        gone.drop_after = after
        quick_retries.on_wait = gone.__exit__  # at the first retry the hub has vanished
        with pytest.raises(DownloadInterruptedError) as raised:
            pull(REPO, FILE)
    quick_retries.on_wait = None
    assert "kept" in str(raised.value) and "again" in str(raised.value)
    return (models_dir() / f"{FILE}.part").stat().st_size


def test_pull_brings_the_file_checks_it_and_records_where_it_came_from(
    hub, private_home, monkeypatch
):
    monkeypatch.setenv("HF_TOKEN", "hf_a-token-the-user-saved-for-other-tools")
    bars = importlib.import_module("huggingface_hub.utils.tqdm")  # the module, not the class
    monkeypatch.setattr(bars, "HF_HUB_DISABLE_PROGRESS_BARS", True)  # as the app sets it
    sha = hub.add(REPO, FILE, DATA)
    reports, online = [], []

    def on_progress(done, total, speed, left):
        reports.append((done, total, speed, left))
        online.append(not constants.is_offline_mode())

    path = pull(REPO, FILE, on_progress=on_progress)

    assert path == private_home / "models" / FILE and path.read_bytes() == DATA
    assert _folder_names() == [FILE, f"{FILE}.json"]  # no part left behind
    record = json.loads((models_dir() / f"{FILE}.json").read_text(encoding="utf-8"))
    assert {k: record[k] for k in ("repo", "filename", "revision", "commit", "sha256", "size")} == {
        "repo": REPO,
        "filename": FILE,
        "revision": "main",
        "commit": COMMIT,
        "sha256": sha,
        "size": len(DATA),
    }
    assert record["pulled_at"]
    done = [r[0] for r in reports]
    assert done == sorted(done) and reports[-1][:2] == (len(DATA), len(DATA))
    assert reports[-1][3] == 0  # nothing left to wait for
    # The hub lets huggingface_hub connect for the pull only, and no token goes out.
    assert all(online) and constants.is_offline_mode()
    assert hub.requests and not any(
        "authorization" in (k.lower() for k in r.headers) for r in hub.requests
    )

    pull(REPO, FILE)  # pulled already: the hub is asked about it, the file not fetched again
    assert len(hub.downloads()) == 1


def test_a_dropped_connection_resumes_where_it_stopped(hub):
    hub.add(REPO, FILE, DATA)
    hub.drop_after = 1_500_000

    path = pull(REPO, FILE)

    assert hub.dropped.is_set() and path.read_bytes() == DATA
    assert hub.range_requests == 1
    assert hub.bytes_served - len(DATA) <= download.CHUNK_BYTES  # fetched twice: < one chunk


def test_a_reset_connection_is_tried_again(hub):
    # huggingface_hub retries a line that closed, not one that was reset (ReadError)
    hub.add(REPO, FILE, DATA)
    hub.drop_after, hub.reset = 1_500_000, True

    path = pull(REPO, FILE)

    assert hub.dropped.is_set() and path.read_bytes() == DATA
    assert len(hub.downloads()) == 2


def test_a_download_cut_off_for_good_is_kept_and_the_next_pull_continues_it(
    monkeypatch, quick_retries
):
    kept = _leave_a_part(monkeypatch, quick_retries)
    assert 0 < kept < len(DATA)
    [partial] = installed()
    assert (partial["name"], partial["state"], partial["done"], partial["size"]) == (
        FILE,
        "partial",
        kept,
        len(DATA),
    )

    with Hub() as back:  # the app restarted, the line is back
        monkeypatch.setenv("HF_ENDPOINT", back.url)
        back.add(REPO, FILE, DATA)
        path = pull(REPO, FILE)
        assert path.read_bytes() == DATA
        assert back.range_requests == 1 and back.bytes_served == len(DATA) - kept
    assert _folder_names() == [FILE, f"{FILE}.json"]


def test_a_part_of_a_file_since_changed_on_the_hub_is_started_over(monkeypatch, quick_retries):
    _leave_a_part(monkeypatch, quick_retries)
    newer = random.Random(1).randbytes(len(DATA) + 10)

    with Hub() as changed:
        monkeypatch.setenv("HF_ENDPOINT", changed.url)
        changed.add(REPO, FILE, newer)
        path = pull(REPO, FILE)
        assert path.read_bytes() == newer
        assert changed.range_requests == 0 and changed.bytes_served == len(newer)


def test_a_damaged_download_is_removed_and_can_be_pulled_again(hub):
    hub.add(REPO, FILE, DATA)
    hub.corrupt = True

    with pytest.raises(DownloadDamagedError) as raised:
        pull(REPO, FILE)

    message = str(raised.value)
    assert "checksum" in message and "removed" in message and "again" in message
    assert _folder_names() == []
    hub.corrupt = False
    assert pull(REPO, FILE).read_bytes() == DATA


def test_a_missing_repository_or_file_says_which(hub):
    hub.add(REPO, FILE, DATA)

    with pytest.raises(HubFileNotFoundError, match=r"has no file “tiny-Q4_0\.gguf”"):
        pull(REPO, "tiny-Q4_0.gguf")
    with pytest.raises(HubFileNotFoundError, match="no repository “someone/nothing-here”"):
        pull("someone/nothing-here", FILE)
    assert hub.downloads() == []


@pytest.mark.parametrize("status", [401, 403])
def test_a_gated_or_private_model_is_refused_with_the_reason(hub, status):
    hub.add(REPO, FILE, DATA)
    hub.refuse(REPO, status)

    with pytest.raises(ModelAccessError) as raised:
        pull(REPO, FILE)

    message = str(raised.value)
    assert REPO in message and "accept its licence" in message and "only open models" in message
    assert hub.downloads() == [] and _folder_names() == []


def test_no_hub_to_reach_is_said_at_once(monkeypatch):
    address = closed_port()
    monkeypatch.setenv("HF_ENDPOINT", address)
    started = time.monotonic()

    with pytest.raises(HubUnreachableError, match="could not reach") as raised:
        pull(REPO, FILE)

    assert time.monotonic() - started < 5
    assert address in str(raised.value) and "internet" in str(raised.value)
    assert constants.is_offline_mode()


def test_too_little_disk_space_is_said_before_any_byte_is_fetched(hub):
    hub.add(REPO, FILE, DATA)

    with pytest.raises(NotEnoughSpaceError, match=r"needs \d+\.\d MB .* 1\.0 MB is free"):
        pull(REPO, FILE, free_bytes=1_000_000)

    assert hub.downloads() == [] and not (models_dir() / f"{FILE}.part").exists()


def test_a_disk_that_fills_up_mid_download_leaves_no_part(hub, monkeypatch):
    hub.add(REPO, FILE, DATA)
    real_open = download._open_part

    class FillingDisk:
        """The part file on a disk with room for one megabyte."""

        def __init__(self, path):
            self.file = real_open(path)

        def write(self, data):
            if self.file.tell() + len(data) > 1_000_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.file.write(data)

        def __getattr__(self, name):
            return getattr(self.file, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    monkeypatch.setattr(download, "_open_part", FillingDisk)

    with pytest.raises(DiskFullError, match="filled up") as raised:
        pull(REPO, FILE)

    assert isinstance(raised.value, NotEnoughSpaceError)
    assert _folder_names() == []


def test_cancel_stops_the_download_and_keeps_nothing(hub):
    hub.add(REPO, FILE, DATA)
    cancel = threading.Event()
    heard = []

    def on_progress(done, total, speed, left):
        heard.append(done)
        cancel.set()  # the user pressed Cancel as the first progress showed

    with pytest.raises(DownloadCancelled, match="cancelled"):
        pull(REPO, FILE, on_progress=on_progress, cancel=cancel)

    assert len(heard) == 1 and heard[0] < len(DATA)
    assert _folder_names() == []
    assert constants.is_offline_mode()


def test_never_connect_refuses_before_any_request(hub):
    hub.add(REPO, FILE, DATA)
    Settings(never_connect=True).save()

    with pytest.raises(NeverConnectError) as raised:
        pull(REPO, FILE)

    message = str(raised.value)
    assert "never to connect to the internet" in message and "Settings › Models" in message
    assert hub.requests == []


def test_installed_lists_models_and_unfinished_downloads_and_remove_deletes_them(
    monkeypatch, quick_retries
):
    kept = _leave_a_part(monkeypatch, quick_retries)
    other = "other-Q4_K_M.gguf"
    with Hub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        hub.add(REPO, other, DATA[:1000])
        pull(REPO, other)

    listed = {(m["name"], m["state"], m.get("done"), m["repo"]) for m in installed()}
    assert listed == {(other, "installed", None, REPO), (FILE, "partial", kept, REPO)}

    assert {p.name for p in remove("other-Q4_K_M")} == {other, f"{other}.json"}
    assert {p.name for p in remove(f"{REPO}/{FILE}")} == {f"{FILE}.part", f"{FILE}.part.json"}
    assert installed() == [] and _folder_names() == []


def test_removing_what_is_not_there_names_what_is(hub):
    hub.add(REPO, FILE, DATA)
    pull(REPO, FILE)

    with pytest.raises(ModelNotInstalledError, match=f"“qwen3”.*Downloaded models: {FILE}"):
        remove("qwen3")
    assert (models_dir() / FILE).exists()


def test_parse_ref_reads_owner_repository_file():
    assert parse_ref("Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf") == (
        "Qwen/Qwen3-0.6B-GGUF",
        "Qwen3-0.6B-Q8_0.gguf",
    )
    assert parse_ref(" unsloth/Qwen3-GGUF/Q4_K_M/model.gguf ") == (
        "unsloth/Qwen3-GGUF",
        "Q4_K_M/model.gguf",
    )
    with pytest.raises(ModelRefError, match="names a repository, not a model file"):
        parse_ref("Qwen/Qwen3-0.6B-GGUF")
    for wrong in ("qwen3", "Qwen/Qwen3-0.6B-GGUF/../secret", "https://huggingface.co/Qwen/x/y"):
        with pytest.raises(ModelRefError, match="OWNER/REPOSITORY/FILE"):
            parse_ref(wrong)
    with pytest.raises(ModelRefError, match="not a repository name the hub allows"):
        pull("Qwen/Qwen3--GGUF", "x.gguf")


def test_a_mirror_that_serves_its_files_itself_works_too(monkeypatch):
    with Hub(same_host=True) as mirror:  # redirects to itself, with a relative address
        monkeypatch.setenv("HF_ENDPOINT", mirror.url)
        sha = mirror.add(REPO, FILE, DATA)
        path = pull(REPO, FILE)
    record = json.loads((models_dir() / f"{FILE}.json").read_text(encoding="utf-8"))
    assert path.read_bytes() == DATA and record["sha256"] == sha and record["commit"] == COMMIT


def test_the_proxy_set_in_the_environment_is_used(hub, monkeypatch):
    hub.add(REPO, FILE, DATA)
    # Names that exist nowhere: only a proxy can answer for them.
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.longread-test.invalid")
    hub.cdn_base = "http://cdn.longread-test.invalid"
    monkeypatch.setenv("HTTP_PROXY", hub.url)
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    close_session()  # huggingface_hub's shared client reads the environment when it is made
    try:
        path = pull(REPO, FILE)
    finally:
        monkeypatch.delenv("HTTP_PROXY")
        close_session()

    assert path.read_bytes() == DATA
    assert {r.path.split("/")[2] for r in hub.requests} == {
        "hub.longread-test.invalid",
        "cdn.longread-test.invalid",
    }


def test_download_errors_cross_process_boundaries():
    for cls in (
        NeverConnectError,
        HubUnreachableError,
        DownloadInterruptedError,
        ModelAccessError,
        HubFileNotFoundError,
        NotEnoughSpaceError,
        DiskFullError,
        DownloadDamagedError,
        DownloadCancelled,
        ModelNotInstalledError,
        ModelRefError,
    ):
        error = cls("What happened.", "What to do.")
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is cls and str(copy) == "What happened. What to do."
        assert isinstance(copy, errors.ModelError) and copy.hint == "What to do."


# --- the pulled model runs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from tests.core.llm.tiny_gguf import make_tiny_gguf

    return make_tiny_gguf(tmp_path_factory.mktemp("tiny") / "tiny-llama-F16.gguf")


@pytest.fixture
def pulled_tiny_model(hub, tiny_model) -> Path:
    hub.add(REPO, tiny_model.name, tiny_model.read_bytes())
    return pull(REPO, tiny_model.name)


@pytest.mark.slow
def test_a_pulled_model_answers_on_the_torch_path(pulled_tiny_model):
    from core.llm import complete, get_backend

    backend = get_backend("gguf:" + str(pulled_tiny_model))
    text = complete(backend, [{"role": "user", "content": "hi"}], max_new_tokens=5)

    assert isinstance(text, str) and backend.last_stats.new_tokens > 0


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed"
)
def test_a_pulled_model_answers_on_llama_cpp(pulled_tiny_model):
    from llama_cpp import Llama

    model = Llama(model_path=str(pulled_tiny_model), n_ctx=256, verbose=False)
    out = model.create_completion("hi", max_tokens=5)

    assert out["usage"]["completion_tokens"] > 0
