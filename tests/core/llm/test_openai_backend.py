"""The OpenAI-compatible backend against a real local server that answers with the real model."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import pytest

from core.device import choose
from core.errors import ModelError
from core.llm import complete, get_backend
from core.llm.openai_backend import OpenAIBackend
from core.llm.spec import parse
from core.settings import Settings
from tests.core.llm import texts
from tests.core.llm.server import ModelServer

pytestmark = pytest.mark.slow


def test_answers_a_planted_fact_through_a_local_server(smollm):
    document = texts.planted(smollm.count_tokens, 6000, depth=0.5)
    with ModelServer(smollm) as server:
        remote = OpenAIBackend(parse(f"openai:{server.url}#smollm2"))
        assert remote.context_window == 8192  # the server's max_model_len
        assert remote.count_tokens(document) == smollm.count_tokens(document)
        pieces = list(remote.stream(texts.ask(document), max_new_tokens=24))
        assert len(pieces) > 3, "the answer arrives piece by piece"
        assert texts.ANSWER in "".join(pieces)
        assert server.requests[-1]["stream"] is True


def test_stop_strings_and_cancel_reach_the_server(smollm):
    days = [{"role": "user", "content": "List the days of the week."}]
    # What the model writes with no stop string: the days in order, Thursday among them.
    full = complete(smollm, days, max_new_tokens=40)
    assert "Thursday" in full and "Wednesday" in full, full
    with ModelServer(smollm) as server:
        remote = OpenAIBackend(parse(f"openai:{server.url}#smollm2"))
        answer = complete(remote, days, max_new_tokens=40, stop=["Thursday"])
        # The stop string travels in the request body, as the protocol names it...
        [sent] = [r for r in server.requests if "messages" in r]
        assert sent["stop"] == ["Thursday"] and sent["max_tokens"] == 40
        # ...the server's model stopped there itself (the client hung up on nothing)...
        assert smollm.last_stats.stopped_by == "stop" and not server.cancelled.is_set()
        # ...and the answer is everything before it.
        assert answer == full[: full.index("Thursday")], (answer, full)

        cancel = threading.Event()
        stream = remote.stream([{"role": "user", "content": "Write a long story."}], cancel=cancel)
        pieces = []
        for piece in stream:
            pieces.append(piece)
            if len(pieces) == 2:
                cancel.set()
                set_at = time.perf_counter()
        assert time.perf_counter() - set_at < 0.3 and len(pieces) == 2
        assert server.cancelled.wait(10), "the server saw the client hang up and stopped"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_is_down_is_a_clear_error():
    with pytest.raises(ModelError) as caught:
        get_backend(f"openai:http://127.0.0.1:{_free_port()}/v1#any")
    assert "could not reach the model server" in str(caught.value)
    assert "Start the server" in caught.value.hint


def test_a_server_that_answers_garbage_or_lacks_the_model_is_a_clear_error(smollm):
    with ModelServer(smollm, garbage=True) as server, pytest.raises(ModelError) as caught:
        OpenAIBackend(parse(f"openai:{server.url}#smollm2"))
    assert "did not answer like an OpenAI-compatible server" in str(caught.value)

    with ModelServer(smollm) as server:
        remote = OpenAIBackend(parse(f"openai:{server.url}#no-such-model"))
        with pytest.raises(ModelError, match="does not have the model"):
            complete(remote, [{"role": "user", "content": "Hi"}])


def test_models_command_shows_the_default_window_from_its_config():
    result = subprocess.run(
        [sys.executable, "-m", "app.entry", "models", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = json.loads(result.stdout)
    default = next(r for r in rows if r["spec"] == "default")
    assert default["context_window"] == 8192
    # The device core.device picks for the settings' choice ("auto" here): the GPU where there
    # is one, else the CPU.
    chosen = choose(Settings.load().device)
    assert (default["device"], default["dtype"]) == (chosen.name, chosen.dtype_name)
    assert default["size_bytes"] > 50e6
    assert default["selected"] is True
