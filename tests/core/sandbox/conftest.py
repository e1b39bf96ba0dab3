"""A shared REPL with small limits, so the sandbox tests stay quick on two cores."""

from __future__ import annotations

import pytest

from core.sandbox import Sandbox, SandboxLimits

MB = 1024**2

# Small enough to trip quickly, large enough that ordinary cells never do.
SMALL = SandboxLimits(
    wall_s=5,
    cpu_s=1,
    memory_bytes=128 * MB,
    output_chars=2_000,
    final_chars=5_000,
    max_sub_calls=5,
    max_prompt_chars=1_000,
)

DOCUMENT = (
    "Chapter 1. The harbour\nThe ferry left at 06:40 from pier 7.\n\n"
    "Chapter 2. The lighthouse\nIts keeper, Ada Brandt, logged 212 storms.\n\n"
    "Chapter 3. The return\nThe ferry came back at 19:15.\n"
)
PAGES = [
    {"number": 1, "text": DOCUMENT[:60]},
    {"number": 2, "text": DOCUMENT[60:130]},
    {"number": 3, "text": DOCUMENT[130:]},
]


@pytest.fixture(scope="module")
def repl():
    """One REPL for a whole test module; `canary` shows whether it kept its variables."""
    with Sandbox(DOCUMENT, PAGES, limits=SMALL) as sandbox:
        assert sandbox.run("canary = 'still here'").ok
        yield sandbox


def assert_repl_intact(sandbox: Sandbox) -> None:
    """The REPL still runs code and still holds what earlier cells defined."""
    result = sandbox.run("print(canary, len(context))")
    assert result.error is None, result.error
    assert result.stdout == f"still here {len(DOCUMENT)}\n"
