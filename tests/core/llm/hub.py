"""A stand-in for the Hugging Face hub on 127.0.0.1, reached through HF_ENDPOINT.

It speaks the hub's download protocol the way huggingface.co does for a large (LFS) file:
`HEAD`/`GET /{owner}/{repo}/resolve/{revision}/{filename}` answers 302 with the file's commit,
SHA-256 and size in `X-Repo-Commit`, `X-Linked-Etag` and `X-Linked-Size`, and a `Location` on
another host, the content delivery network (CDN); `GET /cdn/{sha256}` there serves the bytes,
honouring `Range: bytes=N-`. The CDN is a second server on another port: huggingface_hub follows
a redirect to the same host and reads the metadata off the final answer, so only a redirect to
another host is the real hub's shape (`same_host=True` gives the other one, a mirror that serves
its files itself).

Knobs for the tests: the files it holds (`add`), a connection dropped once after N bytes
(`drop_after`; closed, or reset with `reset`), damaged bytes sent under the true SHA-256
(`corrupt`), a slow line (`pace`), refusals (`refuse`), and what it saw (`requests`, `bytes_served`,
`range_requests`). It also answers requests sent to it
as a proxy (`GET http://host/path`), so a test can check that the environment's proxy is used.
"""

from __future__ import annotations

import hashlib
import re
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
PIECE = 64 * 1024  # bytes written per send, so a drop can land mid-file

# The hub's way of saying why it refused (huggingface_hub reads X-Error-Code).
ERROR_CODES = {401: "RepoNotFound", 403: "GatedRepo", 404: "EntryNotFound"}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


class Hub:
    def __init__(self, *, same_host: bool = False) -> None:
        self.same_host = same_host
        self.files: dict[tuple[str, str], bytes] = {}  # (repo, filename) -> bytes
        self.blobs: dict[str, bytes] = {}  # sha256 -> bytes, as the CDN holds them
        self.refusals: dict[str, int] = {}  # repo -> HTTP status it answers with
        self.drop_after: int | None = None  # cut the next CDN transfer after this many bytes
        self.reset = False  # cut it with a reset (RST, as a NAT box or a Wi-Fi switch does)
        self.corrupt = False  # serve damaged bytes while advertising the true SHA-256
        self.pace = 0.0  # seconds between two pieces: a slow line, for Cancel and progress
        self.cdn_base: str | None = None  # the CDN address put in redirects (default: ours)
        self.requests: list[Request] = []
        self.bytes_served = 0
        self.range_requests = 0
        self.dropped = threading.Event()  # set once the connection has been cut
        self._lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                hub._answer(self, body=False)

            def do_GET(self) -> None:
                hub._answer(self, body=True)

        def server() -> ThreadingHTTPServer:
            httpd = _QuietServer(("127.0.0.1", 0), Handler)
            return httpd

        self.httpd = server()
        self.cdn = self.httpd if same_host else server()
        self._threads = [
            threading.Thread(target=s.serve_forever, args=(0.02,), daemon=True)  # quick to stop
            for s in {id(self.httpd): self.httpd, id(self.cdn): self.cdn}.values()
        ]

    # --- what the tests set up -------------------------------------------------------------

    def add(self, repo: str, filename: str, data: bytes) -> str:
        """Hold `data` as `filename` in `repo`; returns its SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        self.files[(repo, filename)] = data
        self.blobs[sha] = data
        return sha

    def refuse(self, repo: str, status: int) -> None:
        """Answer every request about `repo` with `status` (401, 403, 404...)."""
        self.refusals[repo] = status

    @property
    def url(self) -> str:
        """The address to put in HF_ENDPOINT."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def cdn_url(self) -> str:
        host, port = self.cdn.server_address[:2]
        return f"http://{host}:{port}"

    def downloads(self) -> list[Request]:
        """The requests for the file's bytes."""
        return [r for r in self.requests if r.method == "GET" and "/cdn/" in r.path]

    def __enter__(self) -> Hub:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for httpd in {id(self.httpd): self.httpd, id(self.cdn): self.cdn}.values():
            httpd.shutdown()
            httpd.server_close()

    # --- the protocol ----------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, *, body: bool) -> None:
        path = handler.path
        if path.startswith(("http://", "https://")):  # asked as a proxy: absolute form
            path = urlsplit(path).path
        with self._lock:
            self.requests.append(Request(handler.command, handler.path, dict(handler.headers)))
        if match := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            repo, _revision, filename = match.groups()
            self._resolve(handler, repo, unquote(filename))
        elif match := re.fullmatch(r"/cdn/([0-9a-f]{64})", path):
            self._serve(handler, match.group(1), body=body)
        else:
            self._status(handler, 404, "EntryNotFound")

    def _resolve(self, handler: BaseHTTPRequestHandler, repo: str, filename: str) -> None:
        if repo in self.refusals:
            status = self.refusals[repo]
            self._status(handler, status, ERROR_CODES.get(status))
            return
        if not any(r == repo for r, _ in self.files):
            self._status(handler, 404, "RepoNotFound")
            return
        data = self.files.get((repo, filename))
        if data is None:
            self._status(handler, 404, "EntryNotFound")
            return
        sha = hashlib.sha256(data).hexdigest()
        handler.send_response(302)
        if self.same_host:
            handler.send_header("Location", f"/cdn/{sha}")  # relative, as a mirror may answer
        else:
            handler.send_header("Location", f"{self.cdn_base or self.cdn_url}/cdn/{sha}")
        handler.send_header("X-Repo-Commit", COMMIT)
        handler.send_header("X-Linked-Etag", f'"{sha}"')
        handler.send_header("X-Linked-Size", str(len(data)))
        handler.send_header("ETag", '"a-git-blob-id"')
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _serve(self, handler: BaseHTTPRequestHandler, sha: str, *, body: bool) -> None:
        data = self.blobs.get(sha)
        if data is None:
            self._status(handler, 404, None)
            return
        if self.corrupt:
            data = bytes(b ^ 0xFF for b in data[:16]) + data[16:]
        start = 0
        if match := re.fullmatch(r"bytes=(\d+)-", handler.headers.get("Range", "")):
            start = int(match.group(1))
            if body:
                with self._lock:
                    self.range_requests += 1
        if start >= len(data) and start > 0:
            handler.send_response(416)
            handler.send_header("Content-Range", f"bytes */{len(data)}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(206 if start else 200)
        if start:
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(data) - start))
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("ETag", f'"{sha}"')
        if self.same_host:  # a mirror serving its own files says which commit they are from
            handler.send_header("X-Repo-Commit", COMMIT)
        handler.end_headers()
        if not body:
            return
        limit = None
        with self._lock:
            if self.drop_after is not None:
                limit, self.drop_after = self.drop_after, None
        sent = 0
        try:
            for offset in range(start, len(data), PIECE):
                piece = data[offset : offset + PIECE]
                if limit is not None and sent + len(piece) > limit:
                    piece = piece[: limit - sent]
                handler.wfile.write(piece)
                if self.pace:
                    time.sleep(self.pace)
                sent += len(piece)
                with self._lock:
                    self.bytes_served += len(piece)
                if limit is not None and sent >= limit:
                    handler.wfile.flush()
                    if self.reset:  # close with a zero linger: the peer gets a reset
                        linger = struct.pack("ii", 1, 0)
                        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                        handler.connection.close()
                    else:
                        handler.connection.shutdown(socket.SHUT_RDWR)  # the line goes dead
                    handler.close_connection = True
                    self.dropped.set()
                    return
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client hung up (a cancel)

    @staticmethod
    def _status(handler: BaseHTTPRequestHandler, status: int, code: str | None) -> None:
        body = b'{"error": "refused"}'
        handler.send_response(status)
        if code:
            handler.send_header("X-Error-Code", code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hung up (a cancel, a test's reset) is no error worth printing."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def closed_port() -> str:
    """An address on this machine where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
