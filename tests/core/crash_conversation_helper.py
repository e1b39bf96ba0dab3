"""Run by test_conversations' crash test: writes conversation turns in a loop until killed.

usage: python crash_conversation_helper.py FOLDER RUN [STEP AT]

Prints "started" once the conversations file is open, then for every message whose
`add_message` returned: "saved MESSAGE_ID CONVERSATION_ID KEY". Every few turns it starts a new
conversation (untitled, so its first question names it). Each message's text begins with its
KEY ("RUN.TURN.ROLE"), from which `message_for` makes the rest again, so the test can tell a
whole message from anything else.

With STEP and AT it stalls, printing "stalled", the AT-th time it is about to run this
statement inside a write: "insert" (a message row), "touch" (the conversation's row),
"commit" (the end of the transaction). The test then kills it there.
"""

from __future__ import annotations

import os
import random
import sys
import time


def say(*parts: object) -> None:
    """One line on stdout in one write: a kill never leaves half of it (stdout may be
    unbuffered, and then print writes each part on its own)."""
    os.write(1, (" ".join(map(str, parts)) + "\n").encode())


TURNS_PER_CONVERSATION = 3


def message_for(key: str) -> tuple[str, dict | None]:
    """The text and answer of the message with this key, the same each time."""
    run, turn, role = key.split(".")
    rng = random.Random(key)
    words = [rng.choice(("lease", "tenant", "river", "ledger", "clause", "notice", "rent"))]
    verbs = ("when", "why", "how", "where", "says", "ends", "shows")
    words += [rng.choice(verbs) for _ in range(200)]
    if role == "user":
        # Some questions are long, so the title made from them is cut.
        return f"{key} " + " ".join(words[: rng.randint(3, 40)]) + "?", None
    quote = " ".join(words)
    answer = {
        "mode": "rag",
        "reason": f"turn {turn} of run {run}",
        # Some answers fill many database pages, so a write takes several page writes.
        "citations": [
            {"n": n, "title": f"Doc {n}", "page": n, "quote": quote * rng.randint(1, 6)}
            for n in range(rng.randint(1, 8))
        ],
        "trace": [{"step": "search", "passages": rng.randint(1, 20)}],
        "timings": {"total": rng.random()},
        "complete": True,
    }
    return f"{key} " + " ".join(words[: rng.randint(5, 120)]) + ".", answer


def main() -> None:
    from core.library.conversations import Conversations

    folder, run = sys.argv[1], sys.argv[2]
    step, at = (sys.argv[3], int(sys.argv[4])) if len(sys.argv) > 4 else (None, 0)
    with Conversations(folder) as store:
        if step is not None:
            seen = 0
            writing = False

            def trace(sql: str) -> None:
                nonlocal seen, writing
                if sql.startswith("BEGIN"):
                    writing = "IMMEDIATE" in sql
                    return
                hit = {
                    "insert": sql.startswith("INSERT INTO messages"),
                    "touch": sql.startswith("UPDATE conversations"),
                    "commit": sql == "COMMIT" and writing,
                }[step]
                if hit:
                    seen += 1
                    if seen == at:
                        say("stalled")
                        time.sleep(120)

            store._db.set_trace_callback(trace)  # reached into on purpose: to stall in a write
        say("started")
        conversation = None
        turn = 0
        while True:
            if turn % TURNS_PER_CONVERSATION == 0:
                conversation = store.create()
            for role in ("user", "assistant"):
                key = f"{run}.{turn}.{role}"
                text, answer = message_for(key)
                saved = store.add_message(conversation.id, role, text, answer)
                say("saved", saved.id, conversation.id, key)
            turn += 1


if __name__ == "__main__":
    main()
