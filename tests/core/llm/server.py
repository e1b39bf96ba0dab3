"""A small OpenAI-compatible server on 127.0.0.1 that answers with a real local model.

It speaks the parts of the protocol Longread uses, the way vLLM does: GET /v1/models (with
`max_model_len`), POST /tokenize, and POST /v1/chat/completions streamed as server-sent events.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ModelServer:
    def __init__(self, backend, model_name: str = "smollm2", *, garbage: bool = False) -> None:
        self.backend, self.model_name, self.garbage = backend, model_name, garbage
        self.requests: list[dict] = []
        self.cancelled = threading.Event()  # set when a client hung up mid-answer
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body ends when the connection closes

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _json(self, status: int, payload) -> None:
                body = json.dumps(payload).encode() if not server.garbage else b"<html>oops"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    window = server.backend.context_window
                    data = [{"id": server.model_name, "object": "model", "max_model_len": window}]
                    self._json(200, {"object": "list", "data": data})
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(request)
                if self.path == "/tokenize":
                    count = server.backend.count_tokens(request.get("prompt", ""))
                    self._json(
                        200, {"count": count, "max_model_len": server.backend.context_window}
                    )
                elif self.path == "/v1/chat/completions":
                    if request.get("model") != server.model_name:
                        self._json(404, {"error": {"message": "model not found"}})
                        return
                    self._stream(request)
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})

            def _stream(self, request: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                stop = threading.Event()

                def event(payload) -> None:
                    data = payload if isinstance(payload, str) else json.dumps(payload)
                    self.wfile.write(f"data: {data}\n\n".encode())
                    self.wfile.flush()

                try:
                    if server.garbage:
                        self.wfile.write(b"data: {not json\n\n")
                        return
                    pieces = server.backend.stream(
                        request["messages"],
                        max_new_tokens=request.get("max_tokens", 256),
                        stop=request.get("stop"),
                        cancel=stop,
                    )
                    for piece in pieces:
                        delta = {"content": piece}
                        event({"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                    event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    event("[DONE]")
                except (BrokenPipeError, ConnectionResetError):
                    stop.set()
                    server.cancelled.set()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ModelServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
