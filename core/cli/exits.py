"""The exit codes of `longread` and the one-line error message a failing command prints."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def error(message: str) -> int:
    print(f"longread: {message}", file=sys.stderr)
    return EXIT_ERROR
