"""Which model servers Longread may send documents to (pure rules on addresses), and servers
that cannot count tokens being asked once, not on every count."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.errors import ModelError
from core.llm import openai_backend
from core.llm.openai_backend import OpenAIBackend, check_server
from core.llm.spec import on_local_network, on_this_machine, parse, server_refusal
from core.settings import LAN_ENV, Settings

THIS_COMPUTER = ["http://127.0.0.1:8080/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1",
                 "http://127.5.6.7/v1"]
LOCAL_NETWORK = ["http://10.0.0.5:8000/v1", "http://172.16.4.2/v1", "http://172.31.255.1/v1",
                 "http://192.168.1.20:1234/v1", "http://169.254.10.3/v1",
                 "http://[fd12:3456::7]:8000/v1", "http://[fe80::1%25eth0]:8000/v1",
                 "http://[::ffff:192.168.0.9]/v1"]
ELSEWHERE = ["http://93.184.216.34/v1", "https://api.openai.com/v1", "http://172.32.0.1/v1",
             "http://100.64.1.2/v1", "http://8.8.8.8:8000/v1", "http://[2001:db8::1]/v1",
             "http://gpu-box.local:8000/v1", "http://192.168.1.20.example.com/v1"]


@pytest.mark.parametrize("url", THIS_COMPUTER)
def test_a_server_on_this_computer_is_always_allowed(url):
    assert on_this_machine(url)
    assert server_refusal(url, allow_lan=False) is None


@pytest.mark.parametrize("url", LOCAL_NETWORK)
def test_a_server_on_the_local_network_needs_the_opt_in(url):
    assert on_local_network(url) and not on_this_machine(url)
    message, what_to_do = server_refusal(url, allow_lan=False)
    assert "local network" in message and "sent to that computer" in message
    assert "--allow-lan-server" in what_to_do
    assert server_refusal(url, allow_lan=True) is None


@pytest.mark.parametrize("url", ELSEWHERE)
def test_any_other_server_is_refused_even_with_the_opt_in(url):
    assert not on_local_network(url) and not on_this_machine(url)
    message, _ = server_refusal(url, allow_lan=True)
    assert "never sends your documents" in message


def test_parse_follows_the_setting_and_this_runs_opt_in(private_home, monkeypatch):
    spec = "openai:http://10.0.0.5:8000/v1#qwen"
    monkeypatch.delenv(LAN_ENV, raising=False)
    with pytest.raises(ModelError, match="local network"):
        parse(spec)
    Settings(allow_lan_servers=True).save()
    assert parse(spec).location == "http://10.0.0.5:8000/v1"
    Settings(allow_lan_servers=False).save()
    monkeypatch.setenv(LAN_ENV, "1")  # what --allow-lan-server sets for one run
    assert parse(spec).model == "qwen"
    with pytest.raises(ModelError, match="never sends"):
        parse("openai:http://93.184.216.34/v1")


def test_the_connection_test_never_contacts_a_refused_server(monkeypatch):
    import httpx

    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(httpx, "Client", no_connection)
    ok, message, models = check_server("http://192.168.1.20:8080/v1", allow_lan=False)
    assert not ok and models == [] and "local network" in message
    ok, message, _ = check_server("http://93.184.216.34/v1", allow_lan=True)
    assert not ok and "never sends your documents" in message


class _Server:
    """An OpenAI-compatible server on 127.0.0.1 that lists one model; with `tokenize` it also
    counts tokens (one per word), the way vLLM does; without, like Ollama, it has no route."""

    def __init__(self, tokenize: bool) -> None:
        self.paths: list[str] = []
        seen = self.paths

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                seen.append(f"GET {self.path}")
                if self.path == "/v1/models":
                    self._reply(200, {"data": [{"id": "m", "context_length": 4096}]})
                else:
                    self._reply(404, {"error": "no route"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                seen.append(f"POST {self.path}")
                if self.path == "/tokenize" and tokenize and "prompt" in body:
                    self._reply(200, {"count": len(body["prompt"].split())})
                else:
                    self._reply(404, {"error": "no route"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def _forget_routes():
    openai_backend._tokenize_routes.clear()
    yield
    openai_backend._tokenize_routes.clear()


def test_a_server_without_a_token_count_is_asked_once_not_on_every_count():
    server = _Server(tokenize=False)
    try:
        backend = OpenAIBackend(parse(f"openai:{server.url}#m"))
        server.paths.clear()
        counts = [backend.count_tokens("one two three " * n) for n in (1, 10, 100)]
        assert counts[0] < counts[1] < counts[2]  # estimated from the length
        assert server.paths == ["POST /tokenize", "POST /tokenize"]  # both routes, once
        again = OpenAIBackend(parse(f"openai:{server.url}#m"))  # a new answer, same server
        server.paths.clear()
        again.count_tokens("four five")
        assert server.paths == []
    finally:
        server.close()


def test_a_server_that_counts_tokens_is_asked_each_time_on_its_own_route():
    server = _Server(tokenize=True)
    try:
        backend = OpenAIBackend(parse(f"openai:{server.url}#m"))
        server.paths.clear()
        assert backend.count_tokens("one two three") == 3
        assert backend.count_tokens("one two three four five") == 5
        assert server.paths == ["POST /tokenize", "POST /tokenize"]
    finally:
        server.close()


def test_the_command_line_opt_in_reaches_the_model_check(private_home, capsys, monkeypatch):
    from core import cli

    def said() -> str:
        out = capsys.readouterr()
        return out.out + out.err

    monkeypatch.setenv(LAN_ENV, "")  # not allowed; and what main sets is undone afterwards
    cli.main(["models", "--model", "openai:http://10.0.0.5:8000/v1#m"])
    assert "--allow-lan-server" in said()
    # 127.0.0.1:1 stands in for a server on the local network: nothing listens there, so an
    # allowed check gets as far as trying to reach it.
    monkeypatch.setattr("core.llm.spec.on_local_network", lambda url: True)
    monkeypatch.setattr("core.llm.spec.on_this_machine", lambda url: False)
    spec = "openai:http://127.0.0.1:1/v1#m"
    cli.main(["models", "--model", spec])
    assert "--allow-lan-server" in said()
    cli.main(["models", "--allow-lan-server", "--model", spec])
    text = said()
    assert "--allow-lan-server" not in text and "could not reach" in text.lower()
