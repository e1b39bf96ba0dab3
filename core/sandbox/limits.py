"""The limits one REPL runs under, per cell and per question."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

# The modules code in the REPL may import (what it sees of each is listed in policy.py).
ALLOWED_IMPORTS = (
    "bisect",
    "collections",
    "difflib",
    "functools",
    "heapq",
    "itertools",
    "json",
    "math",
    "re",
    "statistics",
    "string",
    "textwrap",
)


@dataclass(frozen=True)
class SandboxLimits:
    # Per cell. Time the parent spends answering llm_query is not counted against either clock.
    wall_s: float = 30.0  # wall-clock seconds a cell may run; past it the REPL is restarted
    cpu_s: float = 20.0  # CPU seconds a cell may use; past it the cell is stopped (variables kept)
    memory_bytes: int = 1024**3  # memory the code may allocate on top of the loaded context
    output_chars: int = 20_000  # printed output returned per cell (the reference REPL's cut)
    final_chars: int = 200_000  # longest answer FINAL()/FINAL_VAR() may give
    # Per sandbox (one question): sub-calls to the model made from inside the REPL.
    max_sub_calls: int = 100  # prompts sent through llm_query/llm_query_batched, all cells together
    max_prompt_chars: int = 50_000  # longest prompt one sub-call may send (size it to the window)
    # The REPL process itself.
    start_s: float = 30.0  # seconds the REPL may take to start and load the context
    recursion_limit: int = 1000  # Python call depth inside the REPL; deeper fails as an error

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"SandboxLimits.{field.name} must be a positive number")
        if self.recursion_limit < 50:
            raise ValueError("SandboxLimits.recursion_limit must be at least 50")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def seconds(value: float) -> str:
    """ "1 second", "2.5 seconds": a limit as the messages say it."""
    return f"{value:g} second" + ("" if value == 1 else "s")
