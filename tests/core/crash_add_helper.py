"""Run by test_library's crash test: add a folder to a library, printing progress, until killed.

usage: python crash_add_helper.py LIBRARY FOLDER [STALL_AT_PAGE_ROW]

Prints "progress DONE TOTAL MESSAGE" before each file. With STALL_AT_PAGE_ROW, it prints
"stalled" after writing that many page rows and then waits inside the document's transaction,
so the test can kill it there for certain rather than by luck.
"""

from __future__ import annotations

import sys
import time

from core.library import Library


def main() -> None:
    library, folder = sys.argv[1], sys.argv[2]
    stall_at = int(sys.argv[3]) if len(sys.argv) > 3 else None
    with Library(library) as lib:
        if stall_at is not None:
            rows = 0

            def trace(sql: str) -> None:
                nonlocal rows
                if sql.startswith("INSERT INTO pages"):
                    rows += 1
                    if rows == stall_at:
                        print("stalled", flush=True)
                        time.sleep(120)

            lib._db.set_trace_callback(trace)  # the test reaches into the connection on purpose

        def progress(done: int, total: int, message: str) -> None:
            print("progress", done, total, message, flush=True)

        lib.add(folder, on_progress=progress)
    print("finished", flush=True)


if __name__ == "__main__":
    main()
