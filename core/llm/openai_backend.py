"""A model served by an OpenAI-compatible server the user runs: llama.cpp's server, Ollama,
LM Studio, vLLM (how a team serves a large model on a GPU cluster).

Answers stream over server-sent events. The window and token counts come from the server where
it says them (vLLM's `max_model_len`, llama.cpp's `n_ctx`, Ollama's `context_length`).
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence

from core.errors import ModelError
from core.llm.base import GenerationStats, Message, StopScanner
from core.llm.spec import ModelSpec, server_refusal

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 600.0  # a big prompt on a slow server can take minutes before the first token
FALLBACK_WINDOW = 4096  # used only when the server does not say its window
CHARS_PER_TOKEN = 3.0  # a cautious estimate when the server cannot count tokens
CHECK_TIMEOUT_S = 5.0  # Settings' "Test connection" gives up after this long without an answer

# Which token-counting route each server has (by its root address), learnt once per run:
# "vllm", "llamacpp", or NO_ROUTE for servers without one (Ollama, LM Studio), which are then
# not asked again on every count.
NO_ROUTE = "none"
_tokenize_routes: dict[str, str] = {}


class OpenAIBackend:
    device = "server"

    def __init__(self, spec: ModelSpec) -> None:
        import httpx

        self.spec = spec
        self.base = spec.location
        self.root = self.base[: -len("/v1")] if self.base.endswith("/v1") else self.base
        self.client = httpx.Client(
            timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S), trust_env=False
        )
        self.last_stats = GenerationStats()
        self._routes_missing: set[str] = set()
        models = self._get_json(f"{self.base}/models").get("data") or []
        info = next((m for m in models if m.get("id") == spec.model), models[0] if models else {})
        self.model = spec.model or info.get("id", "")
        self.name = f"{self.model or 'model'} (server at {self.base})"
        self.window_known = True
        self.context_window = self._window(info)

    # -- talking to the server --------------------------------------------------------------

    def _unreachable(self, error: Exception) -> ModelError:
        return ModelError(
            f"Longread could not reach the model server at {self.base} ({type(error).__name__}).",
            "Start the server (llama.cpp, Ollama, LM Studio or vLLM), or check its address "
            "in Settings.",
        )

    def _get_json(self, url: str, method: str = "GET", body: dict | None = None) -> dict:
        import httpx

        try:
            response = self.client.request(method, url, json=body)
        except httpx.HTTPError as e:
            raise self._unreachable(e) from None
        if response.status_code >= 400:
            raise self._http_error(response.status_code, response.text)
        try:
            data = response.json()
        except ValueError:
            raise self._garbage() from None
        if not isinstance(data, dict):
            raise self._garbage()
        return data

    def _http_error(self, status: int, text: str) -> ModelError:
        detail = text.strip().replace("\n", " ")[:200]
        if status == 404:
            return ModelError(
                f"The server at {self.base} does not have the model “{self.spec.model}” "
                f"(HTTP 404: {detail}).",
                "Check the model name after # in the address.",
            )
        return ModelError(
            f"The model server at {self.base} answered with an error (HTTP {status}: {detail}).",
            "Check the server's own log.",
        )

    def _garbage(self) -> ModelError:
        return ModelError(
            f"The server at {self.base} did not answer like an OpenAI-compatible server.",
            "Check that the address ends in /v1 and points at the model server.",
        )

    def _window(self, info: dict) -> int:
        for value in (
            info.get("max_model_len"),  # vLLM
            (info.get("meta") or {}).get("n_ctx_train"),  # llama.cpp server
            info.get("context_length"),  # LM Studio and others
        ):
            if isinstance(value, int) and value > 0:
                return value
        try:  # llama.cpp: the context the server was started with
            props = self._get_json(f"{self.root}/props")
            n_ctx = (props.get("default_generation_settings") or {}).get("n_ctx")
            if isinstance(n_ctx, int) and n_ctx > 0:
                return n_ctx
        except ModelError:
            pass
        try:  # Ollama
            show = self._get_json(f"{self.root}/api/show", "POST", {"model": self.model})
            for key, value in (show.get("model_info") or {}).items():
                if key.endswith(".context_length") and isinstance(value, int):
                    return value
        except ModelError:
            pass
        self.window_known = False
        return FALLBACK_WINDOW

    def count_tokens(self, text: str) -> int:
        """The server's own count where it offers one (vLLM, llama.cpp), else an estimate."""
        known = _tokenize_routes.get(self.root)
        if known == NO_ROUTE:
            return _estimate(text)
        for route in [known] if known else ["vllm", "llamacpp"]:
            count = self._count_on(route, text)
            if count is not None:
                _tokenize_routes[self.root] = route
                return count
        return _estimate(text)

    def _count_on(self, route: str, text: str) -> int | None:
        """The count from one route; None if this server has no such route (then, once both
        are missing, it is not asked again) or could not answer this time."""
        import httpx

        if route == "vllm":
            body: dict = {"model": self.model, "prompt": text}
        else:
            body = {"content": text}
        try:
            response = self.client.post(f"{self.root}/tokenize", json=body)
        except httpx.HTTPError:
            return None  # unreachable just now: try again next time
        if response.status_code in (408, 429) or response.status_code >= 500:
            return None  # busy or failing just now: try again next time
        if response.status_code >= 400:  # no such route, or not this body (404, 405, 422...)
            self._missing(route)
            return None
        try:
            data = response.json()
            count = data.get("count", len(data.get("tokens") or [])) if route == "vllm" else (
                len(data.get("tokens") or [])
            )
        except (ValueError, AttributeError, TypeError):
            self._missing(route)
            return None
        if isinstance(count, int) and (count or not text):
            return count
        self._missing(route)
        return None

    def _missing(self, route: str) -> None:
        self._routes_missing.add(route)
        if {"vllm", "llamacpp"} <= self._routes_missing:
            _tokenize_routes[self.root] = NO_ROUTE

    def fits(self, prompt_tokens: int, max_new_tokens: int = 512) -> bool:
        # The server manages its own memory; the window is the limit we can know.
        return prompt_tokens + max_new_tokens <= self.context_window

    # -- streaming --------------------------------------------------------------------------

    def stream(
        self,
        messages: Sequence[Message],
        max_new_tokens: int = 512,
        stop: Sequence[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        body = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stream": True,
        }
        if stop:
            body["stop"] = list(stop)[:4]  # the OpenAI API takes at most four
        stats = GenerationStats()
        self.last_stats = stats
        started = time.perf_counter()
        lines: queue.Queue = queue.Queue()
        response_box: dict = {}
        reader = threading.Thread(
            target=self._read_events, args=(body, lines, response_box), daemon=True
        )
        reader.start()
        scanner = StopScanner(stop)  # servers differ in how exactly they honour `stop`
        stats.stopped_by = "length"
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    stats.stopped_by = "cancel"
                    return
                try:
                    kind, payload = lines.get(timeout=0.05)
                except queue.Empty:
                    continue
                if kind == "error":
                    raise payload
                if kind == "end":
                    break
                choice = (payload.get("choices") or [{}])[0]
                piece = (choice.get("delta") or {}).get("content") or choice.get("text") or ""
                if choice.get("finish_reason") == "stop":
                    stats.stopped_by = "eos"
                if piece:
                    stats.new_tokens += 1
                    shown = scanner.feed(piece)
                    if shown:
                        if not stats.first_token_s:
                            stats.first_token_s = time.perf_counter() - started
                        yield shown
                    if scanner.stopped:
                        stats.stopped_by = "stop"
                        return
                usage = payload.get("usage") or {}
                stats.prompt_tokens = usage.get("prompt_tokens", stats.prompt_tokens)
            tail = scanner.flush()
            if tail:
                yield tail
        finally:
            stats.decode_s = time.perf_counter() - started - stats.first_token_s
            response = response_box.get("response")
            if response is not None:
                response.close()  # stops the server generating for a cancelled answer

    def _read_events(self, body: dict, lines: queue.Queue, response_box: dict) -> None:
        import httpx

        try:
            with self.client.stream("POST", f"{self.base}/chat/completions", json=body) as resp:
                response_box["response"] = resp
                if resp.status_code >= 400:
                    resp.read()
                    lines.put(("error", self._http_error(resp.status_code, resp.text)))
                    return
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue  # comments, event names, keep-alives
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        lines.put(("event", json.loads(data)))
                    except ValueError:
                        lines.put(("error", self._garbage()))
                        return
            lines.put(("end", None))
        except httpx.HTTPError as e:
            if response_box.get("response") is not None and response_box["response"].is_closed:
                return  # closed by a cancel
            lines.put(("error", self._unreachable(e)))
        except Exception as e:  # anything else still ends the answer with a readable error
            lines.put(("error", ModelError(f"Reading the server's answer failed: {e}")))


def _estimate(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


# -- Settings' "Test connection" ------------------------------------------------------------


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    low = text.lower()
    if "refused" in low:
        return "connection refused"
    names = ("name or service not known", "nodename nor servname", "getaddrinfo failed")
    if any(n in low for n in names) or "name resolution" in low:
        return "no computer has that name"
    if "unreachable" in low:
        return "the network is unreachable"
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text)


def connected_message(models: list[str]) -> str:
    if not models:
        return "Connected, but the server lists no models."
    shown = ", ".join(models[:3]) + (", …" if len(models) > 3 else "")
    return f"Connected: {len(models)} model{'' if len(models) == 1 else 's'} ({shown})"


def check_server(
    url: str, timeout: float = CHECK_TIMEOUT_S, *, allow_lan: bool | None = None
) -> tuple[bool, str, list[str]]:
    """Ask an OpenAI-compatible server for its models (GET {url}/models).

    Returns (True, "Connected: …", model names) or (False, a readable failure, []). A server
    Longread may not use (see core.llm.spec.server_refusal) is not contacted at all.
    Blocks for up to `timeout` seconds: call it off the GUI thread.
    """
    import httpx

    base = url.rstrip("/")
    if refusal := server_refusal(base, allow_lan):
        return False, f"{refusal[0]} {refusal[1]}", []
    check = "Check that the server is running and that the address is right."
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False) as client:
            response = client.get(f"{base}/models")
    except httpx.TimeoutException:
        return False, f"Could not reach {base}: no answer within {timeout:.0f} seconds. {check}", []
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as e:
        return False, f"Could not reach {base}: {_reason(e)}. {check}", []
    if response.status_code == 404:
        hint = "" if base.endswith("/v1") else " Does the address need /v1 at the end?"
        return False, f"The server at {base} has no model list at {base}/models.{hint}", []
    if response.status_code >= 400:
        status = f"HTTP {response.status_code} {response.reason_phrase}".strip()
        return False, f"The server at {base} answered with an error ({status}).", []
    not_openai = (
        f"Something answered at {base}, but not like an OpenAI-compatible model server. "
        "Check that the address points at the model server and ends in /v1."
    )
    try:
        data = response.json()
    except ValueError:
        return False, not_openai, []
    models = data.get("data") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return False, not_openai, []
    names = [str(m["id"]) for m in models if isinstance(m, dict) and m.get("id")]
    return True, connected_message(names), names
