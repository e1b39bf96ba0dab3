"""`longread --smoke-test`: does this install work? Every part a user relies on, once, on the
bundled sample, with no network and nothing of the user's touched.

Steps: open the window offscreen; add the sample report to a fresh temporary library (the
document reader process); search it; answer one question in direct mode and one in rag mode
with the built-in model, each checked against the fact planted in the sample and the page it is
on; run one cell in the recursive mode's sandboxed REPL (its own process). Each step prints its
time; the exit code is 0 only if every step held. Used on installers (packaging/) and by CI on
the frozen app, where a missing Qt plugin, model file or worker entry point shows up here.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# The planted facts of resources/sample/harbor-report.pdf (resources/sample/make_sample.py).
VISITS_Q = "How many visits did the library welcome in 2023?"
VISITS_A, VISITS_PAGE = "184,200", "1"
COST_Q = "How much did the Eastside renovation cost?"
COST_A, COST_PAGE = "2.4 million", "4"


class Failed(Exception):
    pass


def _no_network():
    """Connections anywhere but this machine fail, in this process (children are offline by
    core.offline, and the REPL's policy refuses sockets). Returns what puts things back."""
    real = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else ""
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
            "127.0.0.1",
            "::1",
            "localhost",
        ):
            raise Failed(f"something tried to reach the network: {address!r}")
        return real(self, address)

    socket.socket.connect = connect
    return lambda: setattr(socket.socket, "connect", real)


def run(out=sys.stdout) -> int:
    home = Path(tempfile.mkdtemp(prefix="longread-smoke-"))
    os.environ["LONGREAD_HOME"] = str(home)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")  # the offscreen plugin's chatter
    from core import offline

    offline.enforce()
    restore = _no_network()
    try:
        return _run(home, out)
    finally:
        restore()


def _run(home: Path, out) -> int:
    state: dict = {}
    results: list[tuple[str, float, str]] = []

    def step(name: str, work: Callable[[], str]) -> bool:
        started = time.perf_counter()
        try:
            detail = work()
            ok = True
        except Exception as e:  # every failure is reported, none stops the report
            detail, ok = f"FAILED: {type(e).__name__}: {e}", False
        seconds = time.perf_counter() - started
        results.append((name, seconds, detail))
        print(
            f"{'ok  ' if ok else 'FAIL'} {name:<34} {seconds:6.2f} s  {detail}",
            file=out,
            flush=True,
        )
        return ok

    def window() -> str:
        from PySide6.QtWidgets import QApplication

        from app.window import MainWindow

        app = QApplication.instance() or QApplication([])
        shown = MainWindow(preload=False)
        shown.show()
        app.processEvents()
        title = shown.windowTitle()
        shown.close()
        app.processEvents()
        return f"“{title}” opened ({app.platformName()})"

    def add() -> str:
        from core.library import Library
        from core.paths import resource

        sample = resource("sample", "harbor-report.pdf")
        library = Library(home / "library")
        report = library.add([sample])
        if report.failed or not library.documents():
            raise Failed(f"the sample was not added: {report.failed}")
        (info,) = library.documents()
        state["library"], state["document"] = library, library.get(info.id)
        return f"{info.page_count} pages"

    def search() -> str:
        hits = state["library"].search("visits in 2023", k=3)
        top = hits[0]
        if VISITS_A not in top.text:
            raise Failed(f"the best passage does not hold {VISITS_A}: {top.text[:80]!r}")
        return f"{len(hits)} passages, the best on page {top.page_label}"

    def answer(question: str, mode: str, expected: str, page: str) -> Callable[[], str]:
        def work() -> str:
            from core.llm import get_backend
            from core.modes import Request, ask

            backend = get_backend("default")
            request = Request(question, [state["document"]], state["library"], max_new_tokens=60)
            result = ask(request, backend, mode)
            if expected not in result.text:
                raise Failed(f"expected {expected!r}, the answer was {result.text!r}")
            pages = [c.page_label for c in result.citations]
            if page not in pages:
                raise Failed(f"expected a citation of page {page}, got pages {pages}")
            return f"“{result.text.strip()[:60]}” (page {page}, {result.mode})"

        return work

    def repl() -> str:
        from core.sandbox import Sandbox, SandboxLimits

        document = state["document"]
        text = "\n\n".join(page.text for page in document.pages)
        with Sandbox(text, limits=SandboxLimits(wall_s=30)) as sandbox:
            cell = sandbox.run("import re\nprint(len(re.findall(r'visits', context)))")
        if not cell.ok or not cell.stdout.strip().isdigit():
            raise Failed(f"the cell failed: {cell.error or cell.stdout!r}")
        return f"a cell ran in the sandbox: {cell.stdout.strip()} matches"

    started = time.perf_counter()
    print(f"Longread smoke test (a temporary library in {home})", file=out, flush=True)
    step("the window opens", window)
    if step("add the sample report", add):
        step("search", search)
        step("answer in direct mode", answer(COST_Q, "direct", COST_A, COST_PAGE))
        step("answer in rag mode", answer(VISITS_Q, "rag", VISITS_A, VISITS_PAGE))
        step("run a REPL cell", repl)
    failed = [name for name, _s, detail in results if detail.startswith("FAILED")]
    total = time.perf_counter() - started
    if failed or len(results) < 6:
        print(
            f"Smoke test FAILED ({', '.join(failed) or 'steps skipped'}) in {total:.1f} s", file=out
        )
        return 1
    print(f"Smoke test passed: {len(results)} steps in {total:.1f} s", file=out)
    return 0
