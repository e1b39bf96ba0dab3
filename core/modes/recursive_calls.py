"""The recursive mode's limits, and the ledger every model call of one answer goes through.

Both halves of the mode (the model-written REPL loop and the fixed map-reduce plan) call the
model many times for one question. `Calls` makes each of those calls, checks the limits before
it, stops on the user's cancel, and writes its sizes and timings into the answer's trace.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from core.modes.base import Request


@dataclass(frozen=True)
class RecursiveLimits:
    # The REPL loop (a model that writes code).
    max_iterations: int = 12  # turns of the root model; each one writes code and sees its output
    max_sub_calls: int = 48  # llm_query prompts, all turns together
    max_depth: int = 1  # sub-calls are plain model calls (the paper's main setting); only 1 is run
    max_failures: int = 2  # turns in a row whose code failed (or had none) before the fixed plan
    root_new_tokens: int = 1024  # the longest reply the root model may write in one turn
    sub_new_tokens: int = 512  # the longest answer one sub-call may write
    cell_wall_s: float = 120.0  # seconds one cell may run (time spent in sub-calls not counted)
    cell_cpu_s: float = 30.0  # CPU seconds one cell may use
    # Both plans.
    max_total_tokens: int = 2_000_000  # prompt + answer tokens of every model call together
    wall_s: float = 1800.0  # seconds for the whole answer (checked before each model call)
    # The map-reduce plan.
    slice_tokens: int | None = None  # document tokens per slice; None: sized from the model
    map_new_tokens: int = 160  # the longest partial answer one slice may give

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None and field.name == "slice_tokens":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"RecursiveLimits.{field.name} must be a positive number")
        if self.max_depth != 1:
            raise ValueError(
                "RecursiveLimits.max_depth: only depth 1 (sub-calls are plain model calls) is "
                "supported"
            )


class LimitReached(Exception):
    """A limit of the answer was reached; `str(error)` says which, in the user's words."""


class Cancelled(InterruptedError):
    """The user cancelled. An InterruptedError, so the sandbox passes it through a sub-call."""


class Calls:
    """Every model call made for one answer, its trace, and the limits it is held to."""

    def __init__(self, request: Request, backend, limits: RecursiveLimits) -> None:
        self.request = request
        self.backend = backend
        self.limits = limits
        self.trace: list[dict] = []
        self.tokens = 0  # prompt + new tokens over all calls so far
        self.count = 0
        self.started = time.monotonic()
        self.reached: str | None = None  # the first limit reached, in words

    # -- limits -----------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def check(self, more_tokens: int = 0) -> None:
        """Raise Cancelled or LimitReached if no further call may be made."""
        if self.request.cancelled():
            raise Cancelled("cancelled")
        if self.elapsed >= self.limits.wall_s:
            self._reach(f"the time limit of {self.limits.wall_s:g} seconds was reached")
        if self.tokens + more_tokens > self.limits.max_total_tokens:
            self._reach(
                f"the limit of {self.limits.max_total_tokens:,} tokens for this answer was reached"
            )

    def _reach(self, why: str) -> None:
        if self.reached is None:
            self.reached = why
            self.trace.append({"step": "limit", "why": why, "at_s": round(self.elapsed, 3)})
        raise LimitReached(why)

    # -- calls ------------------------------------------------------------------------------

    def prompt_tokens(self, messages: Sequence[dict]) -> int:
        """The messages' tokens, without the chat template's few tokens around each."""
        return sum(self.backend.count_tokens(m["content"]) for m in messages)

    def ask(
        self,
        messages: Sequence[dict],
        *,
        step: str,
        max_new_tokens: int,
        on_token: Callable[[str], None] | None = None,
        stop: Sequence[str] | None = None,
        **info,
    ) -> str:
        """One model call: its whole answer. `info` goes into its trace entry with its sizes."""
        prompt_tokens = self.prompt_tokens(messages)
        self.check(prompt_tokens)
        before = getattr(self.backend, "last_stats", None)
        pieces: list[str] = []
        started = time.monotonic()
        for piece in self.backend.stream(
            list(messages), max_new_tokens=max_new_tokens, stop=stop, cancel=self.request.cancel
        ):
            pieces.append(piece)
            if on_token is not None:
                on_token(piece)
        seconds = time.monotonic() - started
        text = "".join(pieces)
        stats = getattr(self.backend, "last_stats", None)
        entry: dict = {
            "step": step,
            **info,
            "prompt_chars": sum(len(m["content"]) for m in messages),
            "prompt_tokens": prompt_tokens,
            "new_tokens": 0,
            "seconds": round(seconds, 3),
        }
        if stats is not None and stats is not before:  # the backend measured this call itself
            entry.update(
                prompt_tokens=stats.prompt_tokens or prompt_tokens,
                cached_tokens=stats.cached_tokens,
                new_tokens=stats.new_tokens,
                prefill_s=round(stats.prefill_s, 3),
                decode_s=round(stats.decode_s, 3),
                stopped_by=stats.stopped_by,
            )
        if not entry["new_tokens"] and text:
            entry["new_tokens"] = self.backend.count_tokens(text)
        self.count += 1
        self.tokens += entry["prompt_tokens"] + entry["new_tokens"]
        self.trace.append(entry)
        if self.request.cancelled():
            raise Cancelled("cancelled")
        return text
