"""Downloading GGUF models from the Hugging Face hub (or a mirror) into the models folder, for
`longread models pull`: the one connection Longread ever makes, and only when the user asks.

huggingface_hub does the talking: the file's metadata (a HEAD that follows the hub's redirect:
its SHA-256, size and commit) and the transfer (streamed, resumed with a Range header, transient
errors retried with backoff). What this module adds is what a desktop app needs around it: a
download that survives a dropped line or a restart, a disk-space check before it starts, the
file checked against the hub's SHA-256, a Cancel that leaves nothing behind, progress a few
times a second, and errors a non-programmer can act on.

The models folder (core.paths.models_dir):
    NAME              a model file, moved into place once complete and checked
    NAME.json         its record: repo, filename, revision, commit, sha256, size, pulled_at
    NAME.part         a download not finished yet; the next pull continues it
    NAME.part.json    what the part is of (repo, file, SHA-256, size): a part of a file that has
                      changed on the hub since is started over, never continued

No token is sent (not even one the user saved for other tools) and nothing of the user's
documents: only the model's name goes out. The hub's address is $HF_ENDPOINT when set (a
mirror), read at each pull; a proxy comes from the environment (HTTPS_PROXY), as httpx reads it.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urljoin

from core.errors import (
    DiskFullError,
    DownloadCancelled,
    DownloadDamagedError,
    DownloadError,
    DownloadInterruptedError,
    HubFileNotFoundError,
    HubUnreachableError,
    ModelAccessError,
    ModelNotInstalledError,
    ModelRefError,
    NeverConnectError,
    NotEnoughSpaceError,
)
from core.paths import models_dir

DEFAULT_HUB = "https://huggingface.co"
ENDPOINT_ENV = "HF_ENDPOINT"
SPARE_BYTES = 100 * 1000**2  # left free after a download, for the system and other programs
# Read from the connection between two progress reports and cancel checks (huggingface_hub's
# own 10 MiB would leave Cancel unanswered for 10 s on a 1 MB/s line).
CHUNK_BYTES = 1024**2
REPORTS_PER_SECOND = 4
SPEED_WINDOW_S = 5.0  # the speed shown is the average over the last few seconds
HASH_BLOCK = 8 * 1024**2
RESUME_WAITS_S = (1.0, 2.0, 4.0, 8.0, 8.0)  # pauses before continuing after a reset line
EXAMPLE = "Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf"

# on_progress(done_bytes, total_bytes or None, bytes_per_second, seconds_left or None)
ProgressCallback = Callable[[int, int | None, float, float | None], None]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_HUB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # an owner or a repository on the hub
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


def hub_endpoint() -> str:
    """The hub's address: $HF_ENDPOINT (a mirror, or a test's stand-in) when set, else
    huggingface.co. Read at each call, not when huggingface_hub is imported."""
    return (os.environ.get(ENDPOINT_ENV) or "").strip().rstrip("/") or DEFAULT_HUB


def parse_ref(text: str) -> tuple[str, str]:
    """(repo, filename) from the command line's OWNER/REPOSITORY/FILE: the repository is the
    first two parts, the file the rest (a file in a folder of the repository keeps its folder).
    Raises ModelRefError, with an example, for anything else."""
    parts = text.strip().strip("/").split("/")
    if "://" in text:
        raise ModelRefError(
            f"“{text}” is a web address; Longread wants the model's name on the hub.",
            f"Write it as OWNER/REPOSITORY/FILE, for example {EXAMPLE}.",
        )
    if len(parts) == 2 and all(_HUB_NAME.fullmatch(p) for p in parts):
        raise ModelRefError(
            f"“{text}” names a repository, not a model file in it.",
            "Add the name of the .gguf file you want (the repository's Files tab on the hub "
            f"lists them), for example {EXAMPLE}.",
        )
    if (
        len(parts) < 3
        or not all(_HUB_NAME.fullmatch(p) for p in parts[:2])
        or any(p in ("", ".", "..") for p in parts[2:])
    ):
        raise ModelRefError(
            f"“{text}” is not a model file on the hub.",
            f"Write it as OWNER/REPOSITORY/FILE, for example {EXAMPLE}.",
        )
    return "/".join(parts[:2]), "/".join(parts[2:])


def pull(
    repo: str,
    filename: str,
    *,
    revision: str = "main",
    dest_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    free_bytes: int | None = None,
) -> Path:
    """Download `filename` of the hub repository `repo` into the models folder (or `dest_dir`)
    and return its path. A download cut off earlier is continued; a file already downloaded
    with the same SHA-256 is not fetched again.

    on_progress is called about four times a second from this thread; `cancel` stops the
    download and removes what had arrived; free_bytes stands in for the disk's free space.
    Raises a DownloadError subclass (core.errors) that says what happened and what to do.
    """
    from core.settings import Settings

    if Settings.load().never_connect:
        raise NeverConnectError(
            f"Longread is set never to connect to the internet, so it did not download "
            f"“{filename}”.",
            "To download models, turn off “Never connect to the internet” in Settings › Models.",
        )
    if parse_ref(f"{repo}/{filename}") != (repo, filename):
        raise ModelRefError(
            f"“{repo}/{filename}” is not a model file on the hub.",
            f"Write it as OWNER/REPOSITORY/FILE, for example {EXAMPLE}.",
        )
    files = _Files(Path(dest_dir) if dest_dir is not None else models_dir(), filename)
    with _claimed(files):
        with _hub_online():
            meta = _metadata(repo, filename, revision)
            sha256 = meta.etag if meta.etag and _SHA256.fullmatch(meta.etag) else None
            if _already_downloaded(files, sha256, meta.size):
                return files.model
            files.folder.mkdir(parents=True, exist_ok=True)
            done = _resume_point(files, sha256 or meta.etag, meta.size)
            _check_space(files, meta.size, done, free_bytes)
            if cancel is not None and cancel.is_set():
                files.discard_part()
                raise _cancelled(files.name)
            if not files.part_info.exists():
                _write_json(
                    files.part_info,
                    {
                        "repo": repo,
                        "filename": filename,
                        "revision": revision,
                        "sha256": sha256 or meta.etag,
                        "size": meta.size,
                    },
                )
            _transfer(meta, files, done, on_progress, cancel)
        digest = _checked_part(files, sha256, meta.size, cancel)
        # The record first: stopped between the two, the next pull finds the part complete
        # and only moves it into place.
        _write_json(
            files.record,
            {
                "repo": repo,
                "filename": filename,
                "revision": revision,
                "commit": meta.commit_hash,
                "sha256": digest,
                "size": files.part.stat().st_size,
                "pulled_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "hub": hub_endpoint(),
            },
        )
        os.replace(files.part, files.model)
        files.part_info.unlink(missing_ok=True)
    return files.model


def installed(dest_dir: Path | None = None) -> list[dict]:
    """The downloaded models, each its record plus `name`, `path` and `state`: "installed", or
    "partial" for a download not finished yet (with `done` bytes of `size`)."""
    folder = Path(dest_dir) if dest_dir is not None else models_dir()
    if not folder.is_dir():
        return []
    found: list[dict] = []
    for record in folder.glob("*.json"):
        if record.name.endswith(".part.json"):
            continue
        model = record.with_name(record.name.removesuffix(".json"))
        if model.is_file():
            found.append(
                {**_read_json(record), "name": model.name, "path": str(model), "state": "installed"}
            )
    for part in folder.glob("*.part"):
        name = part.name.removesuffix(".part")
        info = _read_json(part.with_name(part.name + ".json"))
        found.append(
            {
                **info,
                "name": name,
                "path": str(part),
                "state": "partial",
                "done": part.stat().st_size,
            }
        )
    return sorted(found, key=lambda entry: (entry["name"], entry["state"]))


def remove(name_or_filename: str, dest_dir: Path | None = None) -> list[Path]:
    """Delete a downloaded model: its file, its record and any unfinished part. It is named by
    its file name (with or without .gguf) or as OWNER/REPOSITORY/FILE. Returns what was deleted;
    raises ModelNotInstalledError, naming what there is, when nothing matches."""
    folder = Path(dest_dir) if dest_dir is not None else models_dir()
    wanted = name_or_filename.strip()
    entries = installed(folder)
    names = {
        entry["name"]
        for entry in entries
        if wanted in (entry["name"], entry["name"].removesuffix(".gguf"), entry.get("filename"))
        or wanted == f"{entry.get('repo')}/{entry.get('filename')}"
    }
    if not names:
        there = sorted({entry["name"] for entry in entries})
        raise ModelNotInstalledError(
            f"No downloaded model is called “{wanted}”.",
            f"Downloaded models: {', '.join(there)}."
            if there
            else f"No models have been downloaded into {folder}.",
        )
    removed: list[Path] = []
    for name in sorted(names):
        files = _Files(folder, name)
        for path in (files.model, files.record, files.part, files.part_info):
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed


# --- the folder's files ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Files:
    folder: Path
    filename: str  # as in the repository; only its last part names the files here

    @property
    def name(self) -> str:
        return PurePosixPath(self.filename).name

    @property
    def model(self) -> Path:
        return self.folder / self.name

    @property
    def record(self) -> Path:
        return self.folder / f"{self.name}.json"

    @property
    def part(self) -> Path:
        return self.folder / f"{self.name}.part"

    @property
    def part_info(self) -> Path:
        return self.folder / f"{self.name}.part.json"

    def discard_part(self) -> None:
        self.part.unlink(missing_ok=True)
        self.part_info.unlink(missing_ok=True)


def _open_part(path: Path) -> BinaryIO:
    """The unfinished download, opened to add to its end."""
    return open(path, "ab")


def _write_json(path: Path, data: dict) -> None:
    """Write `data` so that a reader sees the old file or the new one, never half of one."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _already_downloaded(files: _Files, sha256: str | None, size: int | None) -> bool:
    if sha256 is None or not files.model.is_file() or files.part.exists():
        return False
    record = _read_json(files.record)
    return record.get("sha256") == sha256 and files.model.stat().st_size == size


def _resume_point(files: _Files, identity: str | None, size: int | None) -> int:
    """How many bytes of the file are already here: the part's size when it is a part of this
    very file (same SHA-256 and size as recorded when it was started), else 0, the part gone."""
    if not files.part.is_file():
        files.discard_part()
        return 0
    info = _read_json(files.part_info)
    done = files.part.stat().st_size
    same = identity is not None and info.get("sha256") == identity and info.get("size") == size
    if not same or (size is not None and done > size):
        files.discard_part()
        return 0
    return done


def _check_space(files: _Files, size: int | None, done: int, free_bytes: int | None) -> None:
    if size is None:
        return
    needed = size - done + SPARE_BYTES
    free = free_bytes if free_bytes is not None else shutil.disk_usage(files.folder).free
    if free < needed:
        raise NotEnoughSpaceError(
            f"There is not enough disk space to download “{files.name}”: it needs "
            f"{_amount(needed)} ({_amount(size - done)} to download and {_amount(SPARE_BYTES)} "
            f"to spare), and {_amount(free)} is free in {files.folder}.",
            "Free some space on that disk, then pull the model again.",
        )


def _amount(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


_busy: set[str] = set()  # the models being downloaded by this process
_busy_lock = threading.Lock()


@contextmanager
def _claimed(files: _Files) -> Iterator[None]:
    """One download of a file at a time (a second would write into the same part)."""
    key = os.path.abspath(files.model)
    with _busy_lock:
        if key in _busy:
            raise DownloadError(
                f"“{files.name}” is already being downloaded.", "Wait for that download to end."
            )
        _busy.add(key)
    try:
        yield
    finally:
        with _busy_lock:
            _busy.discard(key)


# --- talking to the hub ----------------------------------------------------------------------

_online_lock = threading.Lock()
_online_pulls = 0  # pulls under way in this process
_saved_settings: tuple[bool, int] = (True, 0)


@contextmanager
def _hub_online() -> Iterator[None]:
    """huggingface_hub allowed to connect, for the length of a pull and no longer.

    core.offline forces HF_HUB_OFFLINE=1 in every process, and huggingface_hub then refuses
    every request. Its flag is lifted here in this process only (the environment, which the
    processes Longread starts inherit, keeps it) and put back when the last pull under way
    ends, however it ends. While a pull runs, nothing else in this process asks the hub for
    anything: every other model is loaded from disk.
    """
    global _online_pulls, _saved_settings
    from huggingface_hub import constants

    with _online_lock:
        if _online_pulls == 0:
            _saved_settings = (constants.HF_HUB_OFFLINE, constants.DOWNLOAD_CHUNK_SIZE)
            constants.HF_HUB_OFFLINE = False
            constants.DOWNLOAD_CHUNK_SIZE = CHUNK_BYTES
        _online_pulls += 1
    try:
        yield
    finally:
        with _online_lock:
            _online_pulls -= 1
            if _online_pulls == 0:
                constants.HF_HUB_OFFLINE, constants.DOWNLOAD_CHUNK_SIZE = _saved_settings


def _metadata(repo: str, filename: str, revision: str):
    """The file's HfFileMetadata (etag = SHA-256 of a large file, size, commit, location)."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError
    from huggingface_hub.file_download import get_hf_file_metadata, hf_hub_url

    endpoint = hub_endpoint()
    try:
        url = hf_hub_url(repo, filename, revision=revision, endpoint=endpoint)
    except HFValidationError as e:  # a name the hub does not allow ("--" or ".." in it)
        raise ModelRefError(
            f"“{repo}” is not a repository name the hub allows.",
            f"Copy it from the top of the model's page on the hub, like {EXAMPLE}.",
        ) from e
    try:
        try:
            # A computer with no connection hears so at once...
            meta = get_hf_file_metadata(url, token=False, endpoint=endpoint)
        except (HfHubHTTPError, httpx2.TimeoutException) as e:
            if not _worth_retrying(e):
                raise
            # ...while a busy hub (429, 5xx) or a slow line gets a few tries, with backoff.
            meta = get_hf_file_metadata(url, token=False, endpoint=endpoint, retry_on_errors=True)
    except HfHubHTTPError as e:
        raise _refusal(e, repo, filename, revision, endpoint) from e
    except httpx2.HTTPError as e:
        raise _unreachable(endpoint) from e
    # A redirect the HEAD followed leaves an absolute address; one it did not may be relative.
    return dataclasses.replace(meta, location=urljoin(url, meta.location))


def _worth_retrying(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return response is None or response.status_code in _RETRY_STATUSES


def _refusal(error, repo: str, filename: str, revision: str, endpoint: str) -> DownloadError:
    from huggingface_hub.errors import (
        GatedRepoError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    status = error.response.status_code if error.response is not None else 0
    if isinstance(error, GatedRepoError) or status in (401, 403):
        maybe_missing = status == 401 and not isinstance(error, GatedRepoError)
        return ModelAccessError(
            f"“{repo}” on the hub needs you to accept its licence on the hub or is private"
            f"{' (or its name is misspelt)' if maybe_missing else ''}, so Longread cannot "
            "download it. Longread downloads only open models.",
            "Choose an open model (most GGUF models are), or check the name on the hub.",
        )
    if isinstance(error, RevisionNotFoundError):
        return HubFileNotFoundError(
            f"“{repo}” on the hub has no version “{revision}”.",
            "Leave the revision out to download the current version (main).",
        )
    if isinstance(error, RepositoryNotFoundError):
        return HubFileNotFoundError(
            f"There is no repository “{repo}” on the hub.",
            "Check its name: OWNER/REPOSITORY, as at the top of its page on the hub.",
        )
    if isinstance(error, RemoteEntryNotFoundError) or status == 404:
        return HubFileNotFoundError(
            f"The repository “{repo}” on the hub has no file “{filename}”.",
            "Check the file's name in the repository's Files tab (names are case-sensitive).",
        )
    return HubUnreachableError(
        f"The model hub at {endpoint} could not give “{filename}” (it answered HTTP {status}).",
        "The hub may be busy or down for a moment: try again in a few minutes.",
    )


def _unreachable(endpoint: str) -> HubUnreachableError:
    mirror = " (the mirror set in HF_ENDPOINT)" if endpoint != DEFAULT_HUB else ""
    return HubUnreachableError(
        f"Longread could not reach the model hub at {endpoint}{mirror}.",
        "Check that this computer is connected to the internet (and, if it goes through a "
        "proxy, that HTTPS_PROXY is set), then try again.",
    )


def _cancelled(name: str) -> DownloadCancelled:
    return DownloadCancelled(
        f"The download of “{name}” was cancelled.", "What had arrived of it was removed."
    )


def _transfer(meta, files: _Files, done: int, on_progress, cancel) -> None:
    """Stream the file into its part, from byte `done` on.

    http_get retries a line that closed or timed out, continuing with a Range header, but
    gives up at once on one that was reset (a NAT box or a Wi-Fi switch does that); such a
    reset is continued here the same way, after a pause, as long as each try brings bytes."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    waits = iter(RESUME_WAITS_S)
    while True:
        try:
            _transfer_once(meta, files, done, on_progress, cancel)
            return
        except (httpx2.ReadError, httpx2.WriteError, httpx2.CloseError) as e:
            have = files.part.stat().st_size if files.part.exists() else 0
            if have > done:
                waits = iter(RESUME_WAITS_S)  # it was moving: a fresh set of tries
            done = have
            wait = next(waits, None)
            if wait is None:
                raise _interrupted(files, have, meta.size) from e
            if _pause(wait, cancel):
                files.discard_part()
                raise _cancelled(files.name) from e
        except DownloadCancelled:
            files.discard_part()
            raise
        except HfHubHTTPError as e:
            status = e.response.status_code if e.response is not None else 0
            if status == 416:  # the part is longer than the file: it cannot be a part of it
                files.discard_part()
            raise HubUnreachableError(
                f"The model hub's file server could not give “{files.name}” (it answered "
                f"HTTP {status}).",
                "Try again in a few minutes; what had arrived is kept, and the download "
                "continues from there.",
            ) from e
        except httpx2.HTTPError as e:
            have = files.part.stat().st_size if files.part.exists() else 0
            raise _interrupted(files, have, meta.size) from e
        except OSError as e:
            if e.errno in _DISK_FULL:
                files.discard_part()
                raise DiskFullError(
                    f"The disk filled up while downloading “{files.name}”, so the unfinished "
                    "download was removed.",
                    "Free some space on that disk, then pull the model again.",
                ) from e
            if e.errno is None:  # huggingface_hub's "Consistency check failed": a wrong size
                files.discard_part()
                raise _damaged(files.name, "did not have the size the hub gives") from e
            raise DownloadError(
                f"Longread could not save “{files.name}” in {files.folder}: {e.strerror or e}.",
                "Check that the folder exists and that you may write in it.",
            ) from e


def _transfer_once(meta, files: _Files, done: int, on_progress, cancel) -> None:
    from huggingface_hub.file_download import http_get

    bar = partial(
        _Progress, name=files.name, size=meta.size, on_progress=on_progress, cancel=cancel
    )
    with _open_part(files.part) as part:
        http_get(
            meta.location,
            part,
            resume_size=done,
            expected_size=meta.size,
            # the size on the wire is the file's: a compressed answer cannot be resumed
            headers={"Accept-Encoding": "identity"},
            displayed_filename=files.name,
            tqdm_class=bar,  # type: ignore[arg-type]  # any callable making a bar will do
        )
        part.flush()
        os.fsync(part.fileno())  # on disk before it is moved into place and recorded


def _pause(seconds: float, cancel: threading.Event | None) -> bool:
    """Wait between two tries, or less if the user cancels meanwhile; True if they did."""
    if cancel is None:
        time.sleep(seconds)
        return False
    return cancel.wait(seconds)


def _interrupted(files: _Files, have: int, size: int | None) -> DownloadInterruptedError:
    return DownloadInterruptedError(
        f"The connection to the model hub was lost while downloading “{files.name}” "
        f"({_amount(have)} of {_amount(size or have)} done).",
        "What had arrived is kept: pull the same model again to continue where it stopped.",
    )


def _checked_part(files: _Files, sha256: str | None, size: int | None, cancel) -> str:
    """The part's SHA-256, once it is found to be the hub's file; else the part is removed."""
    if size is not None and files.part.stat().st_size != size:
        files.discard_part()
        raise _damaged(files.name, "did not have the size the hub gives")
    digest = hashlib.sha256()
    with open(files.part, "rb") as f:
        while block := f.read(HASH_BLOCK):
            if cancel is not None and cancel.is_set():
                files.discard_part()
                raise _cancelled(files.name)
            digest.update(block)
    if sha256 is not None and digest.hexdigest() != sha256:
        files.discard_part()
        raise _damaged(files.name, "did not match the hub's checksum (SHA-256)")
    return digest.hexdigest()


def _damaged(name: str, what: str) -> DownloadDamagedError:
    return DownloadDamagedError(
        f"The downloaded “{name}” {what}: it was damaged on the way, so it was removed.",
        "It can be downloaded again: pull the same model once more. If this keeps happening, "
        "something on the line (a proxy, a filter) may be changing the file.",
    )


class _Progress:
    """Stands in for the tqdm bar that http_get drives, and turns it into on_progress calls.

    huggingface_hub calls a class that is not its own tqdm with the bar's keywords (total,
    initial, unit, desc) and uses it as a context manager (utils/tqdm.py, _create_progress_bar),
    so no display setting (HF_HUB_DISABLE_PROGRESS_BARS, which core.offline sets) silences it.
    Every chunk checks the cancel event; the caller hears how far the download is at most
    REPORTS_PER_SECOND times a second, and once more at its end.
    """

    def __init__(
        self,
        *,
        name: str,
        size: int | None,
        on_progress: ProgressCallback | None,
        cancel: threading.Event | None,
        initial: int = 0,
        total: int | None = None,
        **_display,
    ) -> None:
        self.name = name
        self.total = size if size is not None else total
        self.done = initial
        self.on_progress, self.cancel = on_progress, cancel
        self.samples = deque([(time.monotonic(), initial)])  # (when, done) for the speed
        self.last_report = float("-inf")

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise _cancelled(self.name)  # before the chunk is written: nothing more is kept
        self.done += n
        if self.on_progress is None:
            return
        now = time.monotonic()
        finished = self.total is not None and self.done >= self.total
        if now - self.last_report < 1 / REPORTS_PER_SECOND and not finished:
            return
        self.last_report = now
        self.samples.append((now, self.done))
        while len(self.samples) > 2 and now - self.samples[0][0] > SPEED_WINDOW_S:
            self.samples.popleft()
        since, done_then = self.samples[0]
        speed = max(self.done - done_then, 0) / (now - since) if now > since else 0.0
        left = (self.total - self.done) / speed if speed > 0 and self.total is not None else None
        self.on_progress(self.done, self.total, speed, left)
