"""The REPL process: runs the parent's cells one at a time, under the policy and the limits.

Started by `Sandbox` as a fresh interpreter (`python -I -c ...`, or the frozen app with
`--sandbox-worker`), never by forking the app, so it holds nothing of the app's but what it is
sent: the context, the pages and the limits. Its stdin and stdout carry protocol messages only.

Limits, as a second wall behind the policy (each is skipped where the OS lacks it):
- CPU time per cell: a profiling timer raises CellTimeLimit in the cell (variables are kept);
  code that swallows it is ended a second later; RLIMIT_CPU kills a cell stuck inside C code.
- memory: RLIMIT_AS caps what the code may allocate on top of the loaded context.
- no new files, sockets or pipes (RLIMIT_NOFILE 3), no file writes (RLIMIT_FSIZE 0), no child
  processes (RLIMIT_NPROC 0; not enforced for root), no core dumps.
- Python call depth (sys.setrecursionlimit).
- the code's own clean-up (a generator's `finally`) runs only while a cell and its clock run:
  the garbage collector is off between cells, and nothing of the code's is kept past its cell.
The parent adds a wall-clock limit and a memory watch, and kills the process when either trips.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import unicodedata  # noqa: F401  (the compiler loads it for non-ASCII names and "\N{...}")
from typing import Any, BinaryIO

from core.sandbox import policy, protocol
from core.sandbox.limits import seconds

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

_GRACE_S = 1.0  # how long code that caught CellTimeLimit may go on before the process ends
_MAX_MESSAGE = (1 << 32) - 1  # the parent is trusted; its messages are only bounded by the frame
_MAX_NAMES = 500  # variable names listed in one result
_MAX_ERROR_CHARS = 2000


class CellTimeLimit(BaseException):
    """A cell used up its CPU time. A BaseException, so `except Exception` does not catch it."""


class LLMQueryError(Exception):
    """A sub-call was refused (a limit) or failed in the app; the message says which."""


class _Discard:
    """Stands in for sys.stdout/stderr: nothing but protocol messages may reach the parent."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _Clock:
    """CPU time for one cell at a time."""

    def __init__(self, cpu_s: float) -> None:
        self.cpu_s = cpu_s
        self.armed = False
        self.fired = 0
        self.protected = False  # set while a message to or from the parent is in flight
        self.pending = False
        self.has_timer = hasattr(signal, "setitimer")
        if self.has_timer:
            signal.signal(signal.SIGPROF, self._on_timer)

    def message(self) -> str:
        return f"the cell used more than {seconds(self.cpu_s)} of CPU time and was stopped"

    def start(self) -> None:
        self.fired, self.pending, self.armed = 0, False, True
        _cpu_rlimit_from_now(self.cpu_s + _GRACE_S)
        if self.has_timer:
            signal.setitimer(signal.ITIMER_PROF, self.cpu_s)

    def stop(self) -> None:
        self.armed = False
        if self.has_timer:
            signal.setitimer(signal.ITIMER_PROF, 0)

    def _on_timer(self, signum, frame) -> None:
        if not self.armed:
            return
        self.fired += 1
        if self.fired > 1:  # the code caught CellTimeLimit and kept going
            os._exit(protocol.EXIT_CPU_LIMIT)
        signal.setitimer(signal.ITIMER_PROF, _GRACE_S)
        if self.protected:
            self.pending = True
            return
        raise CellTimeLimit(self.message())

    def raise_pending(self) -> None:
        if self.pending and self.armed:
            self.pending = False
            raise CellTimeLimit(self.message())


def _cpu_rlimit_from_now(more: float) -> None:
    """Let the kernel kill the process once it has run `more` seconds of CPU, and a little
    (the limit is in whole seconds): this stops a cell stuck inside C, where no timer can."""
    if resource is None:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + more) + 2
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _address_space_now() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _lock_down(memory_bytes: int) -> None:
    """Process limits that hold even if the policy had a hole. Once set they cannot be raised."""
    if resource is None:
        return

    def cap(name: str, value: int) -> None:
        which = getattr(resource, name, None)
        if which is not None:
            with contextlib.suppress(ValueError, OSError):  # not on this OS
                resource.setrlimit(which, (value, value))

    address_space = _address_space_now()  # read before files can no longer be opened
    cap("RLIMIT_CORE", 0)
    cap("RLIMIT_FSIZE", 0)
    cap("RLIMIT_NPROC", 0)
    cap("RLIMIT_NOFILE", 3)  # stdin, stdout, stderr and nothing more
    if address_space:
        cap("RLIMIT_AS", address_space + memory_bytes)


def _host_paths() -> list[str]:
    """Folders of this installation, kept out of error messages."""
    import core

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    paths.add(os.path.dirname(os.path.dirname(os.path.abspath(core.__file__))))
    return sorted((p for p in paths if p and len(p) > 1), key=len, reverse=True)


class Repl:
    """One REPL: its namespace, the cell being run, and the pipe to the parent."""

    def __init__(self, init: dict[str, Any], requests: BinaryIO, replies: BinaryIO) -> None:
        limits = init["limits"]
        self.requests, self.replies = requests, replies
        self.memory_mb = int(limits["memory_bytes"]) // 1024**2
        self.final_chars = int(limits["final_chars"])
        self.max_prompt_chars = int(limits["max_prompt_chars"])
        self.max_sub_calls = int(limits["max_sub_calls"])
        self.clock = _Clock(float(limits["cpu_s"]))
        self.cells = 0
        self.final: str | None = None
        self.host_paths = _host_paths()
        given = {
            "context": init["context"],
            "pages": init["pages"] if init.get("pages") is not None else [],
            "llm_query": _named(self.llm_query, "llm_query"),
            "llm_query_batched": _named(self.llm_query_batched, "llm_query_batched"),
            "FINAL": _named(self.final_answer, "FINAL"),
            "FINAL_VAR": _named(self.final_variable, "FINAL_VAR"),
            "LLMQueryError": LLMQueryError,
        }
        self.namespace = policy.Namespace(given, policy.Output(int(limits["output_chars"])))

    # The functions the code is given.

    def llm_query(self, prompt: str) -> str:
        if not isinstance(prompt, str):
            raise TypeError("llm_query takes one prompt, as text")
        return self._ask([prompt], batched=False)[0]

    def llm_query_batched(self, prompts: list[str]) -> list[str]:
        if isinstance(prompts, str) or not isinstance(prompts, (list, tuple)):
            raise TypeError("llm_query_batched takes a list of prompts (text)")
        prompts = list(prompts)
        if not all(isinstance(p, str) for p in prompts):
            raise TypeError("llm_query_batched takes a list of prompts, each of them text")
        return self._ask(prompts, batched=True) if prompts else []

    def final_answer(self, answer: Any) -> None:
        # A plain str even when given a subclass of one: the REPL keeps the answer past the cell,
        # and the code's object (with, say, a generator in its attributes) would then be freed,
        # and could run code, between cells.
        text = str.__str__(answer) if isinstance(answer, str) else str(answer)
        if len(text) > self.final_chars:
            cut = len(text) - self.final_chars
            text = text[: self.final_chars] + f"\n[answer cut: {cut:,} more characters]"
        self.final = text

    def final_variable(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(
                'FINAL_VAR takes the name of a variable, in quotes: FINAL_VAR("answer")'
            )
        # str's own methods: a str subclass from the code could answer strip() and startswith()
        # as it likes, and so read the REPL's hidden names (its builtins, its guards).
        key = str.strip(str.strip(name), "'\"")
        if str.startswith(key, "_") or key not in self.namespace.globals:
            names = self.namespace.variables()
            defined = (
                f"the variables defined so far are: {', '.join(names[:50])}"
                if names
                else "no variables are defined yet"
            )
            raise NameError(f"FINAL_VAR: there is no variable named {key!r}; {defined}")
        self.final_answer(self.namespace.globals[key])

    def _ask(self, prompts: list[str], *, batched: bool) -> list[str]:
        if len(prompts) > self.max_sub_calls:  # the app would refuse it; a huge one, unread
            raise LLMQueryError(
                f"this batch of {len(prompts):,} prompts would pass the limit of "
                f"{self.max_sub_calls} sub-calls for this question; send fewer, larger prompts"
            )
        for number, prompt in enumerate(prompts, 1):
            if len(prompt) > self.max_prompt_chars:
                which = f"prompt {number}" if batched else "the prompt"
                raise LLMQueryError(
                    f"{which} is {len(prompt):,} characters, over the {self.max_prompt_chars:,} "
                    "one sub-call can take; split the text into smaller pieces"
                )
        reply = self._call_parent({"type": "llm_query", "prompts": prompts, "batched": batched})
        if "error" in reply:
            raise LLMQueryError(str(reply["error"]))
        answers = reply.get("answers")
        if not isinstance(answers, list) or len(answers) != len(prompts):
            raise LLMQueryError("the app sent back no answer")
        return [str(a) for a in answers]

    def _call_parent(self, message: dict[str, Any]) -> dict[str, Any]:
        self.clock.protected = True  # a CPU-limit interrupt now would leave the pipe half-written
        try:
            protocol.send(self.replies, message)
            reply = protocol.receive(self.requests, _MAX_MESSAGE)
        except (EOFError, OSError, protocol.ProtocolError):
            os._exit(0)  # the parent has gone
        finally:
            self.clock.protected = False
        self.clock.raise_pending()
        return reply

    # Running a cell.

    def run(self, code: str) -> dict[str, Any]:
        self.cells += 1
        self.final = None
        self.namespace.new_cell()
        filename = f"<cell {self.cells}>"
        error: str | None = None
        value: Any = None
        self.clock.start()
        gc.enable()
        try:
            try:
                body, last = policy.compile_cell(code, filename)
                exec(body, self.namespace.globals)
                if last is not None:  # a last line that is an expression shows its value
                    value = eval(last, self.namespace.globals)
                    if value is not None:
                        self.namespace.output.write(repr(value) + "\n")
            except BaseException as e:
                error = self.describe(e, filename)
            value = None
        finally:
            # The cell's code can run after its last line: a generator's `finally` when the
            # error (whose traceback holds the cell's frames) or the value is let go, just
            # above, or when the collector frees a cycle the cell left. So both happen while
            # the clock runs: the collector runs only during cells (a cycle left by this one is
            # freed in the next, under that cell's clock), and never while the REPL is idle.
            gc.disable()
            self.clock.stop()
        stopped = f"TimeLimit: {self.clock.message()}"
        if self.clock.fired and stopped not in (error or ""):
            # The limit interrupted code whose error the cell never saw: a generator's `finally`
            # run as the cell ended, or a loop that caught CellTimeLimit and then finished.
            stopped += " (its variables are kept)"
            error = stopped if error is None else f"{error}; then {stopped}"
        return self.result(error)

    def result(self, error: str | None) -> dict[str, Any]:
        names = [n if len(n) <= 100 else n[:100] + "…" for n in self.namespace.variables()]
        if len(names) > _MAX_NAMES:
            names = [*names[:_MAX_NAMES], f"... and {len(names) - _MAX_NAMES} more"]
        return {
            "type": "result",
            "stdout": self.namespace.output.text(),
            "error": error,
            "variables": names,
            "final": self.final,
        }

    def describe(self, failure: BaseException, filename: str) -> str:
        """One readable line: where in the cell, what kind of error, its message."""
        if isinstance(failure, policy.CodeRefused):
            return self._scrub(str(failure))
        if isinstance(failure, CellTimeLimit):
            text = f"TimeLimit: {self.clock.message()} (its variables are kept)"
        elif isinstance(failure, MemoryError):
            text = f"MemoryError: the cell needed more than the {self.memory_mb:,} MB it may use"
        else:
            try:
                message = str(failure)
            except BaseException:
                message = ""
            name = type(failure).__name__
            text = f"{name}: {message}" if message else name
        where = ""
        tb = failure.__traceback__
        while tb is not None:
            cell = tb.tb_frame.f_code.co_filename
            if cell.startswith("<cell "):
                where = f"line {tb.tb_lineno}: "
                if cell != filename:  # in a function defined by an earlier cell
                    where = f"cell {cell[6:-1]}, line {tb.tb_lineno}: "
            tb = tb.tb_next
        return self._scrub(where + text)[:_MAX_ERROR_CHARS]

    def _scrub(self, text: str) -> str:
        for path in self.host_paths:
            text = text.replace(path, "…")
        return text


def _named(function, name: str):
    """A plain function with the given name (its repr shows nothing of the REPL's insides)."""

    def call(*args, **kwargs):
        return function(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = function.__doc__
    return call


def main() -> None:
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdin = None  # type: ignore[assignment]
    sys.stdout = _Discard()  # type: ignore[assignment]
    try:
        init = protocol.receive(requests, _MAX_MESSAGE)
    except EOFError:
        return
    limits = init["limits"]
    repl = Repl(init, requests, replies)
    gc.disable()  # enabled while a cell runs (see Repl.run)
    sys.setrecursionlimit(int(limits["recursion_limit"]))
    _lock_down(int(limits["memory_bytes"]))
    sys.stderr = _Discard()  # type: ignore[assignment]
    protocol.send(replies, {"type": "ready"})
    while True:
        try:
            message = protocol.receive(requests, _MAX_MESSAGE)
        except (EOFError, protocol.ProtocolError):
            return
        if message.get("op") == "exit":
            return
        if message.get("op") != "run":
            continue
        try:
            reply = repl.run(str(message.get("code", "")))
        except BaseException as e:  # an interrupt that landed after the cell's own handler
            gc.disable()
            repl.clock.stop()
            if isinstance(e, MemoryError):
                raise
            stopped = repl.clock.message() if isinstance(e, CellTimeLimit) else type(e).__name__
            reply = repl.result(f"the cell was stopped: {stopped}")
        protocol.send(replies, reply)


def serve() -> None:
    """Entry point: ends the process itself when the REPL runs out of memory outside a cell."""
    try:
        main()
        # Not a normal exit: the interpreter's cleanup would free what the code left behind,
        # and a generator's `finally` among it would run with no cell's clock to stop it.
        os._exit(0)
    except MemoryError:
        os._exit(protocol.EXIT_OUT_OF_MEMORY)
    except (BrokenPipeError, EOFError):  # the parent has gone
        os._exit(0)


if __name__ == "__main__":
    serve()
