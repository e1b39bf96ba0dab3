"""The one interface every model backend offers, and helpers they share."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


@dataclass
class GenerationStats:
    """What the last `stream` call cost; modes put this in an answer's trace."""

    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens whose KV cache was reused instead of prefilled
    new_tokens: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    first_token_s: float = 0.0  # from the call to the first streamed text
    stopped_by: str = ""  # "eos", "stop", "length" or "cancel"

    @property
    def prefill_tok_s(self) -> float:
        work = self.prompt_tokens - self.cached_tokens
        return work / self.prefill_s if self.prefill_s else 0.0

    @property
    def decode_tok_s(self) -> float:
        return self.new_tokens / self.decode_s if self.decode_s else 0.0


@runtime_checkable
class Backend(Protocol):
    """A loaded model that turns chat messages into streamed text."""

    name: str  # what the user sees: "SmolLM2-135M-Instruct (bundled)"
    context_window: int  # tokens, from the model's own configuration
    device: str  # "cpu", "cuda", "mps" or "server"
    last_stats: GenerationStats

    def count_tokens(self, text: str) -> int: ...

    def fits(self, prompt_tokens: int, max_new_tokens: int = 512) -> bool: ...

    def stream(
        self,
        messages: Sequence[Message],
        max_new_tokens: int = 512,
        stop: Sequence[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]: ...


def complete(backend: Backend, messages: Sequence[Message], **kwargs) -> str:
    """The whole answer as one string."""
    return "".join(backend.stream(messages, **kwargs))


class StopScanner:
    """Cuts streamed text at the first stop string, holding back what could start one."""

    def __init__(self, stops: Sequence[str] | None) -> None:
        self.stops = [s for s in (stops or ()) if s]
        self.hold = max((len(s) for s in self.stops), default=1) - 1
        self.pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """Text that is safe to show now (empty once a stop string has been seen)."""
        if self.stopped:
            return ""
        self.pending += text
        cut = min((i for i in (self.pending.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            out, self.pending = self.pending[:cut], ""
            return out
        if self.hold <= 0:
            out, self.pending = self.pending, ""
            return out
        safe = len(self.pending) - self.hold
        # Only hold back a tail that really is the start of some stop string.
        while safe < len(self.pending) and not any(
            s.startswith(self.pending[safe:]) for s in self.stops
        ):
            safe += 1
        out, self.pending = self.pending[:safe], self.pending[safe:]
        return out

    def flush(self) -> str:
        out, self.pending = ("" if self.stopped else self.pending), ""
        return out


class ThinkFilter:
    """Drops a leading `<think>…</think>` block from streamed text: models that reason aloud
    (Qwen3) write one, empty when told not to think, before the answer."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.pending = ""
        self.state = "start"  # "start", "inside", "closed" or "after"

    def feed(self, text: str) -> str:
        if self.state == "after":
            return text
        if self.state == "closed":  # the blank lines between the thoughts and the answer
            text = text.lstrip()
            if text:
                self.state = "after"
            return text
        self.pending += text
        if self.state == "start":
            stripped = self.pending.lstrip()
            if stripped.startswith(self.OPEN):
                self.state, self.pending = "inside", stripped[len(self.OPEN) :]
            elif self.OPEN.startswith(stripped):
                return ""  # could still become "<think>"
            else:
                self.state, out, self.pending = "after", self.pending, ""
                return out
        if self.state == "inside":
            end = self.pending.find(self.CLOSE)
            if end < 0:
                return ""
            rest, self.pending = self.pending[end + len(self.CLOSE) :], ""
            self.state = "closed"
            return self.feed(rest)
        return ""

    def flush(self) -> str:
        out, self.pending = ("" if self.state == "inside" else self.pending), ""
        return out
