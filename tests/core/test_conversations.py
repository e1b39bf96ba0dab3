"""Saved conversations: kept across restarts, listed newest first, titled, shared, damaged files."""

from __future__ import annotations

import contextlib
import os
import queue
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.errors import LibraryError
from core.library.conversations import FILE_NAME, UNTITLED, Conversations, title_from
from core.modes.base import Answer, Citation
from tests.core.crash_conversation_helper import message_for


def an_answer(text: str = "The lease ends on 31 March 2027.") -> dict:
    return Answer(
        text=text,
        citations=[
            Citation(1, "Lease", 3, "3", "page", 120, 160, "The term ends on 31 March 2027."),
            Citation(2, "Annex «B»", 1, "i", "chapter", 0, 12, "Schlüssel — ключ"),
        ],
        mode="rag",
        reason="The documents are too long to read whole, so the relevant passages were found.",
        trace=[{"step": "search", "passages": 8}],
        timings={"search": 0.0123, "total": 1.5},
    ).to_json()


@pytest.fixture
def store(tmp_path):
    with Conversations(tmp_path / "lib") as conversations:
        yield conversations


def test_conversations_and_their_messages_survive_closing_and_reopening(tmp_path):
    with Conversations(tmp_path / "lib") as store:
        chat = store.create("Lease questions", scope=[1, 2], mode="rag")
        store.add_message(chat.id, "user", "When does the lease end?")
        store.add_message(chat.id, "assistant", "On 31 March 2027.", an_answer())

    assert (tmp_path / "lib" / FILE_NAME).is_file()
    with Conversations(tmp_path / "lib") as store:
        [again] = store.list()
        assert again.title == "Lease questions"
        assert again.message_count == 2
        assert (again.scope, again.mode) == ([1, 2], "rag")
        messages = store.messages(chat.id)
        assert [(m.role, m.text) for m in messages] == [
            ("user", "When does the lease end?"),
            ("assistant", "On 31 March 2027."),
        ]
        assert messages[1].answer == an_answer()


def test_a_new_message_moves_its_conversation_to_the_top(store):
    first = store.create("First")
    second = store.create("Second")
    assert [c.title for c in store.list()] == ["Second", "First"]

    store.add_message(first.id, "user", "Anything new?")

    listed = store.list()
    assert [c.title for c in listed] == ["First", "Second"]
    assert listed[0].updated_at >= second.updated_at
    assert listed[0].message_count == 1 and listed[1].message_count == 0


def test_messages_come_back_oldest_first_with_times(store):
    chat = store.create()
    sent = [store.add_message(chat.id, "user", f"question {i}") for i in range(5)]

    back = store.messages(chat.id)
    assert [m.text for m in back] == [f"question {i}" for i in range(5)]
    assert back == sent
    assert all(m.created_at.endswith("+00:00") for m in back)
    assert store.get(chat.id).updated_at == back[-1].created_at


def test_rename_changes_the_title_shown(store):
    chat = store.create()
    renamed = store.rename(chat.id, "  Budget 2026  ")
    assert renamed.title == "Budget 2026"
    assert store.get(chat.id).title == "Budget 2026"


def test_an_empty_title_is_refused_with_a_reason(store):
    chat = store.create("Kept")
    with pytest.raises(LibraryError, match="needs a title"):
        store.rename(chat.id, "   ")
    assert store.get(chat.id).title == "Kept"


def test_delete_removes_the_conversation_and_its_messages(store, tmp_path):
    kept = store.create("Kept")
    gone = store.create("Gone")
    store.add_message(kept.id, "user", "stay")
    store.add_message(gone.id, "user", "go")
    store.add_message(gone.id, "assistant", "going", an_answer())

    store.delete(gone.id)

    assert [c.title for c in store.list()] == ["Kept"]
    with pytest.raises(LibraryError, match="no longer exists"):
        store.get(gone.id)
    with pytest.raises(LibraryError, match="no longer exists"):
        store.messages(gone.id)
    with pytest.raises(LibraryError, match="no longer exists"):
        store.add_message(gone.id, "user", "hello?")
    assert [m.text for m in store.messages(kept.id)] == ["stay"]
    store.delete(gone.id)  # already gone: nothing to do, no error
    with sqlite3.connect(tmp_path / "lib" / FILE_NAME) as db:
        assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1


def test_an_untitled_conversation_is_named_after_its_first_question(store):
    chat = store.create()
    assert chat.title == UNTITLED

    store.add_message(chat.id, "user", "  What   does the\ncontract say about pets?  ")
    store.add_message(chat.id, "assistant", "Pets are allowed.", an_answer())
    store.add_message(chat.id, "user", "And about smoking?")

    assert store.get(chat.id).title == "What does the contract say about pets?"


def test_a_conversation_started_by_a_question_is_saved_with_it_at_once(store, tmp_path):
    chat = store.create(scope=[2], mode="rag", first_question="What does it say about pets?")
    assert chat.title == "What does it say about pets?"
    [question] = store.messages(chat.id)
    assert (question.role, question.text) == ("user", "What does it say about pets?")
    # One transaction: the conversation never exists without the question that started it.
    with sqlite3.connect(tmp_path / "lib" / FILE_NAME) as db:
        assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1
    assert store.create("Kept", first_question="Another?").title == "Kept"


def test_a_long_first_question_is_cut_at_a_word_with_an_ellipsis(store):
    question = (
        "Summarise every clause of the agreement that deals with termination, renewal, "
        "and the notice periods that either party has to respect"
    )
    chat = store.create()
    store.add_message(chat.id, "user", question)

    title = store.get(chat.id).title
    assert title.endswith("…") and len(title) <= 60
    assert question.startswith(title[:-1])
    assert question[len(title) - 1] == " "  # cut between words, not inside one
    assert title_from("x" * 200) == "x" * 59 + "…"


def test_a_title_given_by_the_user_is_not_replaced_by_a_question(store):
    chat = store.create("My title")
    store.add_message(chat.id, "user", "A question")
    assert store.get(chat.id).title == "My title"

    named_like_default = store.create(UNTITLED)
    store.add_message(named_like_default.id, "user", "Another question")
    assert store.get(named_like_default.id).title == UNTITLED


def test_an_answer_round_trips_with_its_citations(store):
    chat = store.create()
    answer = an_answer("Å" * 8000 + " 日本語の答え 🙂")
    saved = store.add_message(chat.id, "assistant", answer["answer"], answer)

    [back] = store.messages(chat.id)
    assert back == saved
    assert back.text == answer["answer"] and len(back.text) > 8000
    assert back.answer == answer
    assert [c["quote"] for c in back.answer["citations"]] == [
        "The term ends on 31 March 2027.",
        "Schlüssel — ключ",
    ]
    assert back.answer["citations"][1]["page_label"] == "i"
    assert back.answer["timings"] == {"search": 0.012, "total": 1.5}


def test_an_answer_that_cannot_be_saved_leaves_nothing_half_written(store):
    chat = store.create("Untouched")
    with pytest.raises(TypeError):
        store.add_message(chat.id, "assistant", "text", {"bad": object()})
    assert store.messages(chat.id) == []
    assert store.get(chat.id).updated_at == chat.updated_at


def test_a_failure_in_the_middle_of_saving_leaves_no_half_message(store, monkeypatch):
    chat = store.create()

    def fail(text: str) -> str:  # runs after the message's row is written, before the commit
        raise RuntimeError("stopped mid-write")

    monkeypatch.setattr("core.library.conversations.title_from", fail)
    with pytest.raises(RuntimeError):
        store.add_message(chat.id, "user", "Is this saved?")

    assert store.messages(chat.id) == []
    assert store.get(chat.id) == chat


def test_scope_and_mode_persist(tmp_path):
    with Conversations(tmp_path / "lib") as store:
        everything = store.create()
        chosen = store.create(scope=[3, 1], mode="recursive")
        store.set_scope(everything.id, [7], "direct")
        store.set_scope(chosen.id, None, "auto")

    with Conversations(tmp_path / "lib") as store:
        assert (store.get(everything.id).scope, store.get(everything.id).mode) == ([7], "direct")
        assert (store.get(chosen.id).scope, store.get(chosen.id).mode) == (None, "auto")
        assert store.list()[0].id == chosen.id  # re-scoping counts as a change


def test_the_model_is_kept_with_the_conversation_and_old_files_gain_the_column(tmp_path):
    folder = tmp_path / "lib"
    with Conversations(folder) as store:
        first = store.create(first_question="What is the rent?", model="gguf:/models/a.gguf")
        store.set_scope(first.id, [2], "rag", "default")
        second = store.create(scope=[1], mode="direct")
        store.set_scope(second.id, [1, 4], "direct")  # no model given: it stays as it was
    with Conversations(folder) as store:
        assert store.get(first.id).model == "default"
        assert store.get(second.id).model == "" and store.get(second.id).scope == [1, 4]


def test_earlier_turns_come_from_answered_questions_with_their_rewrites(store):
    chat = store.create(first_question="How much did the renovation cost?")
    store.add_message(chat.id, "assistant", "It cost $2.4 million.", answer=an_answer())
    store.add_message(chat.id, "user", "Who paid for it?")
    rewritten = an_answer("The town paid $1.6 million.")
    rewritten["trace"].insert(
        0, {"step": "follow-up", "searched_with": "Who paid for the renovation?", "by": "rules"}
    )
    store.add_message(chat.id, "assistant", rewritten["answer"], answer=rewritten)
    store.add_message(chat.id, "user", "And the roof?")  # stopped: no answer saved

    turns = store.turns(chat.id)

    assert [(t.question, t.answer, t.searched) for t in turns] == [
        ("How much did the renovation cost?", "It cost $2.4 million.", ""),
        ("Who paid for it?", "The town paid $1.6 million.", "Who paid for the renovation?"),
    ]


def test_unknown_modes_and_roles_are_refused(store):
    chat = store.create()
    with pytest.raises(ValueError):
        store.create(mode="fast")
    with pytest.raises(ValueError):
        store.set_scope(chat.id, None, "fast")
    with pytest.raises(ValueError):
        store.add_message(chat.id, "system", "hi")
    with pytest.raises(LibraryError, match="no longer exists"):
        store.set_scope(chat.id + 99, None, "auto")
    assert store.messages(chat.id) == [] and len(store.list()) == 1


def test_a_damaged_file_is_reported_with_where_it_is_and_kept(tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    junk = os.urandom(4096)
    (folder / FILE_NAME).write_bytes(junk)

    with pytest.raises(LibraryError) as caught:
        Conversations(folder)

    message = str(caught.value)
    assert "conversations file" in message and "damaged" in message
    assert str(folder / FILE_NAME) in message
    assert (folder / FILE_NAME).read_bytes() == junk


def test_a_file_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    Conversations(tmp_path / "lib").close()
    path = tmp_path / "lib" / FILE_NAME
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', '2099-01-01')")
    before = path.read_bytes()

    with pytest.raises(LibraryError, match="newer version of Longread"):
        Conversations(tmp_path / "lib")
    assert path.read_bytes() == before


def test_two_windows_on_one_folder_see_each_others_changes(tmp_path):
    with Conversations(tmp_path / "lib") as one, Conversations(tmp_path / "lib") as two:
        chat = one.create("Shared")
        assert [c.title for c in two.list()] == ["Shared"]

        two.add_message(chat.id, "user", "from the second window")
        assert [m.text for m in one.messages(chat.id)] == ["from the second window"]

        one.delete(chat.id)
        assert two.list() == []


def test_a_worker_thread_can_save_answers(store):
    chat = store.create()
    store.add_message(chat.id, "user", "question")
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for i in range(20):
                store.add_message(chat.id, "assistant", f"answer {i}", an_answer())
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        store.list()  # the window keeps reading while the workers write
    for thread in threads:
        thread.join()

    assert failures == []
    assert store.get(chat.id).message_count == 61


def test_a_closed_store_says_so(tmp_path):
    store = Conversations(tmp_path / "lib")
    store.close()
    with pytest.raises(LibraryError, match="closed"):
        store.list()


def test_a_folder_that_cannot_be_made_is_explained(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(LibraryError, match="could not create the folder"):
        Conversations(blocker / "lib")


# -- crash safety ------------------------------------------------------------------------------

CRASH_HELPER = Path(__file__).with_name("crash_conversation_helper.py")
CONVERSATION_KILLS = 20


def _kill_writer(folder: Path, run: int, step: str | None, at: int, delay: float) -> set[str]:
    """Start the helper writing turns; SIGKILL it where it stalls (given a step) or `delay` s
    after it was started (perhaps while it opens the file). Returns the keys of the messages
    it said were saved before it died."""
    args = [sys.executable, str(CRASH_HELPER), str(folder), str(run)]
    if step is not None:
        args += [step, str(at)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=CRASH_HELPER.parents[2])
    deadline = time.monotonic() + delay
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            if line.endswith("\n"):  # a whole line (the helper writes each in one go)
                lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    saved: set[str] = set()
    try:
        while True:
            wait = 60.0 if step is not None else deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(wait, 0.0))
            except queue.Empty:
                assert step is None, "the helper never reached its stall"
                break
            assert line is not None, f"the helper stopped by itself ({proc.poll()})"
            if line == "stalled":
                break
            if line.startswith("saved "):
                assert len(line.split()) == 4, repr(line)
                saved.add(line.split()[3])
    finally:
        proc.kill()  # SIGKILL
        proc.wait(30)
    while (line := lines.get(timeout=30)) is not None:  # printed before the kill
        if line.startswith("saved "):
            assert len(line.split()) == 4, repr(line)
            saved.add(line.split()[3])
    return saved


def _check_conversations(folder: Path, saved: set[str], context: str) -> set[str]:
    """The file opens after a kill, every message is whole and each conversation agrees with
    its messages; returns the keys of all the messages."""
    with contextlib.closing(sqlite3.connect(folder / FILE_NAME)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
        assert db.execute("PRAGMA foreign_key_check").fetchall() == [], context
    keys: set[str] = set()
    with Conversations(folder) as store:
        listed = store.list()
        for chat in listed:
            messages = store.messages(chat.id)
            assert chat.message_count == len(messages), context
            for message in messages:
                key = message.text.split(" ", 1)[0]
                text, answer = message_for(key)
                assert (message.role, message.text, message.answer) == (
                    key.split(".")[2],
                    text,
                    answer,
                ), f"{context}: message {key} is not whole"
                keys.add(key)
            turns = [m.text.split(" ", 1)[0].split(".")[:2] for m in messages]
            # A conversation's turns are of one run, in order, each question before its answer.
            assert turns == sorted(turns, key=lambda t: int(t[1])), context
            assert [m.role for m in messages] == ["user", "assistant"] * (len(messages) // 2) + [
                "user"
            ] * (len(messages) % 2), context
            if messages:
                # The message and the conversation's title and place in the list: together.
                assert chat.updated_at == messages[-1].created_at, context
                assert chat.title == title_from(messages[0].text), context
            else:
                assert chat.title == UNTITLED, context
        # Newest first: by the time of each conversation's last change.
        assert [c.updated_at for c in listed] == sorted(
            (c.updated_at for c in listed), reverse=True
        ), context
    missing = saved - keys
    assert not missing, f"{context}: saved but lost: {sorted(missing)}"
    return keys


@pytest.mark.skipif(os.name == "nt", reason="needs SIGKILL")
def test_killing_a_conversation_write_at_any_moment_loses_no_saved_turn(tmp_path):
    seed = int(os.environ.get("LONGREAD_CRASH_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    plan = [
        (rng.choice(("insert", "touch", "commit")), rng.randint(1, 12)) if i % 2 else (None, 0)
        for i in range(CONVERSATION_KILLS)
    ]
    # From the start of the process: the first ~0.3 s it is starting Python and opening the file.
    delays = [rng.uniform(0.1, 0.8) for _ in range(CONVERSATION_KILLS)]
    print(f"crash test seed {seed} (LONGREAD_CRASH_SEED={seed} replays it); kills: {plan}")
    folder = tmp_path / "lib"
    kept: set[str] = set()
    for run, ((step, at), delay) in enumerate(zip(plan, delays, strict=True)):
        context = f"seed {seed}, kill {run + 1}: {step or f'after {delay:.3f} s'} {at or ''}"
        saved = _kill_writer(folder, run, step, at, delay)
        print(f"{context}: {len(saved)} messages saved")
        keys = _check_conversations(folder, kept | saved, context)
        kept = keys
    assert len(kept) > CONVERSATION_KILLS  # the writes did get somewhere between the kills
