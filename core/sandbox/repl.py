"""The recursive mode's REPL as the app sees it: `Sandbox` owns one REPL process and runs cells.

The code runs in a separate process (`child.py`) under RestrictedPython (`policy.py`) and process
limits. This side adds what only an outsider can enforce: a wall-clock limit per cell, a memory
watch, the sub-call budget, and killing and restarting the process when a cell will not stop.
`llm_query` inside the REPL is a request to this side, which calls the real model and sends the
answer back, so the model never runs in (or is reachable from) the REPL process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SandboxError
from core.sandbox import protocol
from core.sandbox.limits import SandboxLimits, seconds

_POLL_S = 0.05  # how often a waiting cell checks the clock, the cancel flag and the memory
_MEMORY_SLACK = 64 * 1024**2  # over RLIMIT_AS's cap before the parent's own memory watch acts
_RESTARTED = (
    " The REPL was restarted: all variables were lost (context and pages are loaded again)."
)
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from core.sandbox.child import serve; serve()"


@dataclass(frozen=True)
class CellResult:
    """What one cell did, as the recursive mode shows it to the model."""

    stdout: str  # what the cell printed (a last-line expression's value too), cut at the limit
    error: str | None  # e.g. "line 3: NameError: name 'x' is not defined"; None when it ran
    variables: list[str] = field(default_factory=list)  # names the code has defined so far
    final: str | None = None  # the answer given with FINAL(...) or FINAL_VAR("name")
    restarted: bool = False  # the REPL was killed and starts afresh: its variables are gone
    sub_calls: int = 0  # prompts this cell sent through llm_query / llm_query_batched
    seconds: float = 0.0  # wall-clock time, the model's answers to sub-calls included

    @property
    def ok(self) -> bool:
        return self.error is None


def _command() -> list[str]:
    if getattr(sys, "frozen", False):  # the packaged app: its own binary knows this flag
        return [sys.executable, "--sandbox-worker"]
    root = str(Path(__file__).resolve().parents[2])
    # -I: ignore PYTHON* variables, the user's site-packages and the current folder.
    return [sys.executable, "-I", "-X", "utf8", "-c", _BOOT, root]


# The only variables passed on: what some Pythons need to start at all (Windows needs the first
# two; a Python built with its library outside the system's path needs the others).
_PASSED_ON = ("SYSTEMROOT", "SYSTEMDRIVE", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH")


def _environment() -> dict[str, str]:
    """Nothing else of the app's environment (tokens, paths, proxies) reaches the REPL."""
    return {k: os.environ[k] for k in _PASSED_ON if k in os.environ}


class _Child:
    """One REPL process and the two threads that carry its messages."""

    def __init__(self, max_message_bytes: int) -> None:
        options: dict[str, Any] = {}
        if os.name == "posix":
            options["start_new_session"] = True  # its own process group, killed as a whole
        elif sys.platform == "win32":
            options["creationflags"] = subprocess.CREATE_NO_WINDOW
        self.process = subprocess.Popen(
            _command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_environment(),
            cwd=os.path.abspath(os.sep),
            **options,
        )
        self.max_message_bytes = max_message_bytes
        self.inbox: queue.Queue = queue.Queue()
        self.outbox: queue.Queue = queue.Queue()
        self.baseline_rss: int | None = None
        self._watch = None
        threading.Thread(target=self._read, name="longread-repl-reader", daemon=True).start()
        threading.Thread(target=self._write, name="longread-repl-writer", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        """Move the child's messages to the inbox; a reply the parent cannot trust ends it."""
        try:
            while True:
                message = protocol.receive(self.process.stdout, self.max_message_bytes)
                self.inbox.put(("message", message))
        except protocol.ProtocolError:
            self.inbox.put(("garbled", None))
        except Exception:  # end of file, a closed pipe
            self.inbox.put(("ended", None))

    def _write(self) -> None:
        """Writes happen here so a child that stops reading can never block the app."""
        while True:
            data = self.outbox.get()
            if data is None:
                return
            try:
                self.process.stdin.write(data)
                self.process.stdin.flush()
            except (OSError, ValueError):  # the child has gone; the reader reports it
                return

    def send(self, message: dict[str, Any] | bytes) -> None:
        self.outbox.put(message if isinstance(message, bytes) else protocol.encode(message))

    def next(self, timeout: float) -> tuple[str, Any] | None:
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def watch_memory(self) -> None:
        """Remember the REPL's memory once started: the watch measures growth from here."""
        try:
            import psutil

            self._watch = psutil.Process(self.pid)
            self.baseline_rss = self._watch.memory_info().rss
        except Exception:  # psutil missing, or the process already gone
            self._watch = None

    def over_memory(self, allowed: int) -> bool:
        if self._watch is None or self.baseline_rss is None:
            return False
        try:
            return self._watch.memory_info().rss > self.baseline_rss + allowed + _MEMORY_SLACK
        except Exception:
            return False

    def kill(self) -> int | None:
        """Stop the process (and anything it started) now; its exit code."""
        if self.process.poll() is None and os.name == "posix":
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.process.kill()
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.outbox.put(None)
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        return code

    def exit_code(self) -> int | None:
        try:
            return self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.process.poll() is None:
            self.send({"op": "exit"})
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=1)
        self.kill()


class Sandbox:
    """A REPL in its own process, holding `context` and `pages`, for one question.

    with Sandbox(text, pages, llm_query=ask, limits=SandboxLimits(wall_s=10)) as repl:
        result = repl.run("print(len(context))")

    Variables persist from cell to cell. `llm_query(prompt)` and `llm_query_batched(prompts)`
    in the REPL call `llm_query`/`llm_query_batched` given here, in this process and thread;
    either may be left out (batches then go one prompt at a time through llm_query).
    Infrastructure failures raise SandboxError; what the code does wrong is in CellResult.error.
    """

    def __init__(
        self,
        context: str | list | dict,
        pages: list[dict] | None = None,
        *,
        llm_query: Callable[[str], str] | None = None,
        llm_query_batched: Callable[[list[str]], list[str]] | None = None,
        limits: SandboxLimits | None = None,
    ) -> None:
        if not isinstance(context, (str, list, dict)):
            raise TypeError("context must be text, a list or a dict")
        if pages is not None and not (
            isinstance(pages, list) and all(isinstance(p, dict) for p in pages)
        ):
            raise TypeError("pages must be a list of dicts")
        self.limits = limits or SandboxLimits()
        try:
            self._init = protocol.encode(
                {"op": "init", "context": context, "pages": pages, "limits": self.limits.as_dict()}
            )
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"context and pages must hold only text, numbers, lists and dicts ({e})"
            ) from None
        self._llm_query = llm_query
        self._llm_query_batched = llm_query_batched
        self._child: _Child | None = None
        self._finalizer = weakref.finalize(self, lambda: None)  # replaced when a child starts
        self._closed = False
        self._lock = threading.Lock()
        self.sub_calls = 0  # prompts sent through llm_query so far, all cells together
        self._max_message = _max_message_bytes(self.limits)

    # Lifetime.

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def start(self) -> None:
        """Start the REPL process now (run() starts it when needed)."""
        with self._lock:
            self._ensure_started()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
            self._finalizer.detach()
            if child is not None:
                child.close()

    @property
    def pid(self) -> int | None:
        """The REPL process's id while it runs (for diagnostics and tests)."""
        child = self._child
        return child.pid if child is not None else None

    def _ensure_started(self) -> _Child:
        if self._closed:
            raise SandboxError("This code sandbox has been closed; start a new one.")
        if self._child is not None:
            return self._child
        if importlib.util.find_spec("RestrictedPython") is None:
            raise SandboxError(
                "The code sandbox needs the RestrictedPython package, which is missing. "
                "Reinstall Longread."
            )
        try:
            child = _Child(self._max_message)
        except OSError as e:
            raise SandboxError(f"The code sandbox could not be started ({e.strerror}).") from None
        child.send(self._init)
        deadline = time.monotonic() + self.limits.start_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                child.kill()
                raise SandboxError(
                    f"The code sandbox did not start within {seconds(self.limits.start_s)}."
                )
            item = child.next(min(_POLL_S, remaining))
            if item is None:
                continue
            kind, message = item
            if kind == "message" and message.get("type") == "ready":
                break
            code = child.kill()
            raise SandboxError(f"The code sandbox stopped while starting ({_describe_exit(code)}).")
        child.watch_memory()
        self._child = child
        # A Sandbox dropped without close(), or the app exiting, leaves no process behind.
        self._finalizer = weakref.finalize(self, child.kill)
        return child

    def _stop_child(self) -> int | None:
        child, self._child = self._child, None
        self._finalizer.detach()
        return child.kill() if child is not None else None

    # Cells.

    def run(self, code: str, *, cancel: threading.Event | None = None) -> CellResult:
        """Run one cell. Raises InterruptedError when `cancel` is set (the REPL is then
        restarted on the next run), SandboxError when the REPL cannot be (re)started."""
        if not isinstance(code, str):
            raise TypeError("code must be text")
        with self._lock:
            child = self._ensure_started()
            started = time.monotonic()
            calls_before = self.sub_calls
            waited_on_model = 0.0  # time the parent spent answering sub-calls: not the cell's
            child.send({"op": "run", "code": code})

            def stopped(error: str) -> CellResult:
                self._stop_child()
                return CellResult(
                    stdout="",
                    error=error + _RESTARTED,
                    variables=[],
                    final=None,
                    restarted=True,
                    sub_calls=self.sub_calls - calls_before,
                    seconds=time.monotonic() - started,
                )

            while True:
                if cancel is not None and cancel.is_set():
                    self._stop_child()
                    raise InterruptedError("cancelled")
                remaining = started + waited_on_model + self.limits.wall_s - time.monotonic()
                if remaining <= 0:
                    return stopped(
                        f"TimeLimit: the cell ran longer than {seconds(self.limits.wall_s)} "
                        "and was stopped."
                    )
                if child.over_memory(self.limits.memory_bytes):
                    return stopped(self._memory_message())
                item = child.next(min(_POLL_S, remaining))
                if item is None:
                    continue
                kind, message = item
                if kind == "ended":
                    return stopped(self._death_message(child.exit_code()))
                if kind != "message":
                    return stopped("The REPL sent something that is not a reply and was stopped.")
                what = message.get("type")
                if what == "llm_query":
                    asked = time.monotonic()
                    try:
                        reply = self._answer(message, cancel)
                    except BaseException:  # cancelled, or the app is shutting down
                        self._stop_child()
                        raise
                    waited_on_model += time.monotonic() - asked
                    child.send(reply)
                elif what == "result":
                    result = self._result(message, calls_before, started)
                    if result is None:
                        return stopped("The REPL sent a reply that is not valid and was stopped.")
                    return result
                else:
                    return stopped("The REPL sent something that is not a reply and was stopped.")

    def _result(self, message: dict, calls_before: int, started: float) -> CellResult | None:
        """The child's result, if it is one; the child is not trusted to send a well-formed one."""
        stdout, error = message.get("stdout"), message.get("error")
        names, final = message.get("variables"), message.get("final")
        if not (
            isinstance(stdout, str)
            and (error is None or isinstance(error, str))
            and (final is None or isinstance(final, str))
            and isinstance(names, list)
            and all(isinstance(n, str) for n in names)
        ):
            return None
        return CellResult(
            stdout=stdout,
            error=error,
            variables=names,
            final=final,
            sub_calls=self.sub_calls - calls_before,
            seconds=time.monotonic() - started,
        )

    # Sub-calls.

    def _answer(self, message: dict, cancel: threading.Event | None) -> dict[str, Any]:
        """Answer one llm_query request, within the limits; a refusal is an error in the REPL."""
        prompts = message.get("prompts")
        if not (isinstance(prompts, list) and prompts and all(isinstance(p, str) for p in prompts)):
            return {"op": "llm_reply", "error": "the request held no prompts"}
        if self._llm_query is None and self._llm_query_batched is None:
            return {"op": "llm_reply", "error": "llm_query is not available in this REPL"}
        limits = self.limits
        left = limits.max_sub_calls - self.sub_calls
        if left <= 0:
            return {
                "op": "llm_reply",
                "error": f"the limit of {limits.max_sub_calls} sub-calls for this question has "
                "been reached; answer with what you have",
            }
        if len(prompts) > left:
            return {
                "op": "llm_reply",
                "error": f"this batch of {len(prompts)} prompts would pass the limit of "
                f"{limits.max_sub_calls} sub-calls for this question ({left} left); "
                "send fewer, larger prompts",
            }
        for number, prompt in enumerate(prompts, 1):
            if len(prompt) > limits.max_prompt_chars:
                return {
                    "op": "llm_reply",
                    "error": f"prompt {number} is {len(prompt):,} characters, over the "
                    f"{limits.max_prompt_chars:,} one sub-call can take",
                }
        self.sub_calls += len(prompts)
        try:
            if self._llm_query_batched is not None and (
                message.get("batched") or self._llm_query is None
            ):
                answers = list(self._llm_query_batched(list(prompts)))
            else:
                answers = []
                for prompt in prompts:
                    if cancel is not None and cancel.is_set():
                        raise InterruptedError("cancelled")
                    answers.append(self._llm_query(prompt))
        except InterruptedError:
            raise
        except Exception as e:
            return {"op": "llm_reply", "error": f"the model call failed: {e}"[:1000]}
        if len(answers) != len(prompts):
            return {"op": "llm_reply", "error": "the model gave a different number of answers"}
        return {"op": "llm_reply", "answers": [str(a) for a in answers]}

    # Messages.

    def _memory_message(self) -> str:
        mb = self.limits.memory_bytes // 1024**2
        return f"MemoryError: the cell needed more than the {mb:,} MB it may use and was stopped."

    def _death_message(self, code: int | None) -> str:
        cpu_limit = {protocol.EXIT_CPU_LIMIT}
        if hasattr(signal, "SIGXCPU"):
            cpu_limit.add(-signal.SIGXCPU)
        if code in cpu_limit:
            return (
                f"TimeLimit: the cell used more than {seconds(self.limits.cpu_s)} of CPU time "
                "and would not stop."
            )
        if code == protocol.EXIT_OUT_OF_MEMORY:
            return self._memory_message()
        if code == -9:  # SIGKILL: the kernel's out-of-memory killer, or someone else
            return "The REPL was stopped by the system, probably for using too much memory."
        return f"The REPL stopped unexpectedly ({_describe_exit(code)})."


def _max_message_bytes(limits: SandboxLimits) -> int:
    """The largest message the child can have a reason to send: a result or a batch request.
    Six bytes a character covers UTF-8 and JSON's escapes."""
    result_chars = limits.output_chars + limits.final_chars + 2_000 + 500 * 110
    request_chars = limits.max_sub_calls * limits.max_prompt_chars
    return 1024**2 + 6 * max(result_chars, request_chars)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it did not exit"
    if code < 0:
        try:
            return f"stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
