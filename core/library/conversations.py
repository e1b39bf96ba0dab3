"""Saved chat conversations: each one's questions and answers, kept in the library folder."""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.errors import LibraryError
from core.library.transactions import Transactions, failure_kind
from core.modes.base import MODES as ANSWER_MODES
from core.modes.base import Turn
from core.modes.followup import searched_with

FILE_NAME = "conversations.sqlite3"
BUSY_TIMEOUT_S = 30.0  # how long to wait for another window or process that is writing
UNTITLED = "New conversation"  # what a conversation without a title is shown as
TITLE_CHARS = 60  # a title made from a question is cut to about this many characters
ROLES = ("user", "assistant")
MODES = ("auto", *ANSWER_MODES)

_MISSING = "That conversation no longer exists. It may have been deleted in another window."


@dataclass(frozen=True)
class Message:
    """One question or one answer of a conversation."""

    id: int
    conversation_id: int
    role: str  # "user" or "assistant"
    text: str
    created_at: str  # ISO 8601, UTC
    # For an answer: Answer.to_json() (mode, reason, citations, trace, timings, complete).
    answer: dict | None = None


@dataclass(frozen=True)
class Conversation:
    """A conversation as listed in the chat window, without its messages."""

    id: int
    title: str  # never empty: an untitled conversation shows as UNTITLED
    created_at: str  # ISO 8601, UTC
    updated_at: str  # when it was created, renamed, re-scoped or last got a message
    message_count: int
    scope: list[int] | None  # the ids of the documents it is about; None: all documents
    mode: str  # "auto", "direct", "rag" or "recursive"
    model: str = ""  # the model spec that answers it ("" where not recorded)


# -- schema --------------------------------------------------------------------------------
# Numbered like core.library.migrations (a released migration is never edited; a change is a new
# function appended below), but a list of its own: this is a different database file, with its
# own `_migrations` table, so the two files can change independently.

Migration = Callable[[sqlite3.Connection], None]
_MIGRATIONS: list[Migration] = []


def _migration(fn: Migration) -> Migration:
    _MIGRATIONS.append(fn)
    return fn


@_migration
def m001_create_conversations(db: sqlite3.Connection) -> None:
    # title '' means "untitled": the first question becomes the title, and a title the user
    # typed, even "New conversation", is never replaced.
    # scope: a JSON list of document ids, NULL for all documents.
    # touched: a counter, not a clock, orders the list, so two changes within the clock's
    # resolution (or after the clock is set back) still list in the order they happened.
    db.execute(
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            touched INTEGER NOT NULL,
            scope TEXT,
            mode TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX conversations_touched ON conversations(touched)")
    # answer: Answer.to_json() as JSON text, NULL for a question.
    db.execute(
        """
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            answer TEXT
        )
        """
    )
    db.execute("CREATE INDEX messages_conversation ON messages(conversation_id, id)")


@_migration
def m002_conversation_model(db: sqlite3.Connection) -> None:
    # The model that answered the conversation (a core.llm spec, "" where not recorded), so
    # reopening it answers with the same model.
    db.execute("ALTER TABLE conversations ADD COLUMN model TEXT NOT NULL DEFAULT ''")


# -- the store ------------------------------------------------------------------------------

_CONVERSATION_COLUMNS = (
    "c.id, c.title, c.created_at, c.updated_at, c.scope, c.mode, c.model, "
    "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count"
)


class Conversations(Transactions):
    """The saved conversations of the library in `library_dir`.

    One SQLite connection, shared by all threads under a lock: the window writes from its own
    thread and answers are saved from a worker thread, each write is a few rows, so taking turns
    costs nothing, while a connection per call would redo the setup and the version check every
    time. Two `Conversations` on the same folder (two windows, two processes) each have their
    own connection and see each other's saved changes: WAL lets readers and a writer work at
    once, and the busy timeout makes a second writer wait its turn.
    """

    def __init__(self, library_dir: str | Path) -> None:
        self.dir = Path(library_dir).expanduser().absolute()  # messages name the folder in full
        self.path = self.dir / FILE_NAME
        self._lock = threading.RLock()
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise LibraryError(
                f"Longread could not create the folder “{self.dir}” for your saved conversations "
                f"({e.strerror or e}). Check that you may write there, or choose another folder."
            ) from None
        self._db: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection:
        return self._connect(
            self.path,
            BUSY_TIMEOUT_S,
            _MIGRATIONS,
            lambda newer: (
                f"Your saved conversations in “{self.path}” were made by a newer version of "
                f"Longread (they have changes this version does not know: "
                f"{', '.join(newer)}). Update Longread to open them; they have been left "
                "as they are."
            ),
        )

    # -- (closing and `with`: core.library.transactions) ----------------------------------

    def __repr__(self) -> str:
        return f"Conversations({str(self.dir)!r})"

    # -- reading -------------------------------------------------------------------------

    def list(self) -> list[Conversation]:
        """Every saved conversation, the most recently changed first."""
        with self._reading("list") as db:
            rows = db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c "
                "ORDER BY c.touched DESC, c.id DESC"
            ).fetchall()
        return [_conversation(row) for row in rows]

    def get(self, conversation_id: int) -> Conversation:
        """The conversation with this id; LibraryError if it has been deleted."""
        with self._reading("read") as db:
            return self._get(db, conversation_id)

    def messages(self, conversation_id: int) -> list[Message]:
        """The conversation's questions and answers, the oldest first."""
        with self._reading("read") as db:
            self._get(db, conversation_id)
            rows = db.execute(
                "SELECT id, conversation_id, role, text, created_at, answer FROM messages "
                "WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return [
            Message(
                id=row[0],
                conversation_id=row[1],
                role=row[2],
                text=row[3],
                created_at=row[4],
                answer=json.loads(row[5]) if row[5] is not None else None,
            )
            for row in rows
        ]

    def turns(self, conversation_id: int) -> list[Turn]:
        """The conversation's answered questions as earlier turns for the next question
        (core.modes.followup), the oldest first; a question left without an answer (stopped,
        failed) is not one."""
        return turns_of(self.messages(conversation_id))

    # -- writing -------------------------------------------------------------------------

    def create(
        self,
        title: str = "",
        *,
        scope: list[int] | None = None,
        mode: str = "auto",
        first_question: str = "",
        model: str = "",
    ) -> Conversation:
        """A new conversation. Without a title, its first question will become one.

        With `first_question`, the conversation and that question are saved together or not
        at all: a crash never leaves an empty conversation behind a question the user asked.
        """
        scope_json = _scope_json(scope)
        _check_mode(mode)
        if not isinstance(first_question, str):
            raise TypeError(f"first_question must be a str, not {type(first_question).__name__}")
        title = title.strip() or (title_from(first_question) if first_question else "") or ""
        now = _now()
        with self._writing("save") as db:
            cursor = db.execute(
                "INSERT INTO conversations "
                "(title, created_at, updated_at, touched, scope, mode, model) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (title, now, now, _next_touch(db), scope_json, mode, model),
            )
            if first_question:
                db.execute(
                    "INSERT INTO messages (conversation_id, role, text, created_at, answer) "
                    "VALUES (?, 'user', ?, ?, NULL)",
                    (cursor.lastrowid, first_question, now),
                )
            return self._get(db, cursor.lastrowid)

    def rename(self, conversation_id: int, title: str) -> Conversation:
        """Give the conversation this title (surrounding spaces removed)."""
        title = title.strip()
        if not title:
            raise LibraryError("A conversation needs a title: type at least one letter.")
        with self._writing("rename") as db:
            self._touch(db, conversation_id, "title = ?", title)
            return self._get(db, conversation_id)

    def set_scope(
        self, conversation_id: int, scope: list[int] | None, mode: str, model: str | None = None
    ) -> None:
        """Which documents (None: all of them), which answer mode and (unless None) which
        model the conversation uses."""
        scope_json = _scope_json(scope)
        _check_mode(mode)
        with self._writing("save") as db:
            if model is None:
                self._touch(db, conversation_id, "scope = ?, mode = ?", scope_json, mode)
            else:
                self._touch(
                    db, conversation_id, "scope = ?, mode = ?, model = ?", scope_json, mode, model
                )

    def delete(self, conversation_id: int) -> None:
        """Delete the conversation and all its messages. Deleting one already gone does nothing
        (another window may have deleted it first)."""
        with self._writing("delete") as db:
            # Explicitly as well as by the foreign key's cascade, so no message is left behind
            # even on a connection where foreign keys were somehow not turned on.
            db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def add_message(
        self, conversation_id: int, role: str, text: str, answer: dict | None = None
    ) -> Message:
        """Save a question ("user") or an answer ("assistant") at the end of the conversation.

        The message, the conversation's new place at the top of the list and, for the first
        question of an untitled conversation, its title are saved together or not at all.
        """
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {role!r}")
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        # Turned into JSON before the transaction: an answer that cannot be saved fails here,
        # with nothing written.
        answer_json = json.dumps(answer, ensure_ascii=False) if answer is not None else None
        now = _now()
        with self._writing("save a message in") as db:
            row = db.execute(
                "SELECT title FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None:
                raise LibraryError(_MISSING)
            cursor = db.execute(
                "INSERT INTO messages (conversation_id, role, text, created_at, answer) "
                "VALUES (?, ?, ?, ?, ?)",
                (conversation_id, role, text, now, answer_json),
            )
            if role == "user" and not row[0] and (title := title_from(text)):
                self._touch(db, conversation_id, "title = ?", title, now=now)
            else:
                self._touch(db, conversation_id, now=now)
            message_id = cursor.lastrowid
        return Message(
            id=message_id,
            conversation_id=conversation_id,
            role=role,
            text=text,
            created_at=now,
            answer=json.loads(answer_json) if answer_json is not None else None,
        )

    # -- inside -------------------------------------------------------------------------

    @staticmethod
    def _get(db: sqlite3.Connection, conversation_id: int) -> Conversation:
        row = db.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?",
            (conversation_id,),
        ).fetchone()
        if row is None:
            raise LibraryError(_MISSING)
        return _conversation(row)

    @staticmethod
    def _touch(
        db: sqlite3.Connection,
        conversation_id: int,
        assignments: str = "",
        *values: object,
        now: str | None = None,
    ) -> None:
        """Set `assignments` and move the conversation to the top of the list."""
        sets = f"{assignments}, " if assignments else ""
        cursor = db.execute(
            f"UPDATE conversations SET {sets}updated_at = ?, touched = ? WHERE id = ?",
            (*values, now or _now(), _next_touch(db), conversation_id),
        )
        if cursor.rowcount == 0:
            raise LibraryError(_MISSING)

    def _closed_error(self) -> LibraryError:
        return LibraryError(f"The saved conversations in “{self.dir}” have been closed.")

    def _error(self, action: str, error: sqlite3.Error) -> LibraryError:
        """A message for the user about a failure of the conversations file itself."""
        kind = failure_kind(error)
        if kind == "damaged":
            return LibraryError(
                f"The conversations file “{self.path}” is damaged, so Longread could not "
                f"{action} your saved conversations. It has been left as it is: move it aside "
                "(or rename it) to start again with no saved conversations. Your documents are "
                "not affected."
            )
        reason = {
            "full": "the disk is full. Free some space and try again",
            "busy": "another program is using them. Close other Longread windows and try again",
            "not writable": "they may not be written there. Check the folder's permissions",
        }.get(kind, str(error))
        return LibraryError(
            f"Longread could not {action} your saved conversations in “{self.path}”: {reason}."
        )


def turns_of(messages: list[Message]) -> list[Turn]:
    """Each question followed by its answer, as a Turn (with the stand-alone form the answer's
    trace records, where the question was rewritten)."""
    turns: list[Turn] = []
    for question, reply in itertools.pairwise(messages):
        if question.role != "user" or reply.role != "assistant":
            continue
        turns.append(
            Turn(question.text, reply.text, searched_with((reply.answer or {}).get("trace")))
        )
    return turns


def title_from(text: str) -> str:
    """A conversation's title made from its first question: one line, about TITLE_CHARS long,
    cut at a word boundary and ended with "…" where it was cut."""
    line = " ".join(text.split())
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[: TITLE_CHARS - 1]
    # At the last space, unless that would leave only a short stub of one long word.
    space = cut.rfind(" ")
    if space >= TITLE_CHARS // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def _conversation(row: tuple) -> Conversation:
    id_, title, created_at, updated_at, scope, mode, model, message_count = row
    return Conversation(
        id=id_,
        title=title or UNTITLED,
        created_at=created_at,
        updated_at=updated_at,
        message_count=message_count,
        scope=json.loads(scope) if scope is not None else None,
        mode=mode,
        model=model or "",
    )


def _scope_json(scope: list[int] | None) -> str | None:
    if scope is None:
        return None
    if isinstance(scope, (str, bytes)):
        raise TypeError("scope must be a list of document ids or None")
    ids = []
    for doc_id in scope:
        if isinstance(doc_id, bool) or not isinstance(doc_id, int):
            raise TypeError(f"scope must hold document ids (int), not {doc_id!r}")
        if doc_id not in ids:
            ids.append(doc_id)
    return json.dumps(ids)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")


def _next_touch(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COALESCE(MAX(touched), 0) + 1 FROM conversations").fetchone()[0]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
