"""Saved conversations: kept across restarts, listed newest first, titled, shared, damaged files."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from core.conversations import FILE_NAME, UNTITLED, Conversations, title_from
from core.errors import LibraryError
from core.modes.base import Answer, Citation


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

    monkeypatch.setattr("core.conversations.title_from", fail)
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
