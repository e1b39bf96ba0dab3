"""Answers and conversations as Markdown: to copy into a note or an email, or to export.

Each citation is written out in full (document, page, quote), so the text stands on its own
away from Longread. The window turns the same Markdown into a PDF (app/export.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.library.conversations import Conversation, Message

MODE_NAMES = {"direct": "direct", "rag": "search (RAG)", "recursive": "recursive"}


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _escape(text: str) -> str:
    """Text that Markdown shows as written (no accidental emphasis, headings or lists)."""
    out = []
    for char in text:
        out.append("\\" + char if char in "\\`*_[]#<>|" else char)
    return "".join(out)


def citation_lines(citations: Iterable[dict]) -> list[str]:
    """ "[1] Harbor Town Public Library: Annual Report 2023, page 4: “The renovation ...”" """
    lines = []
    for n, citation in enumerate(citations, start=1):
        unit = citation.get("page_unit") or "page"
        label = citation.get("page_label") or citation.get("page") or ""
        quote = _one_line(citation.get("quote", ""))
        where = f"{_escape(citation.get('title') or 'Untitled')}, {unit} {label}"
        lines.append(f"{n}. {where}: “{_escape(quote)}”" if quote else f"{n}. {where}")
    return lines


def answer_markdown(text: str, answer: dict | None) -> str:
    """One answer with its sources, as Markdown."""
    answer = answer or {}
    parts = [_escape(text.strip()) or "*(no answer)*"]
    citations = answer.get("citations") or []
    if citations:
        heading = (
            "Sources"
            if answer.get("supported", True)
            else "Nearest passages (none gives the answer)"
        )
        parts.append(f"**{heading}:**\n\n" + "\n".join(citation_lines(citations)))
    if answer.get("mode"):
        parts.append(f"*Answered in {MODE_NAMES.get(answer['mode'], answer['mode'])} mode.*")
    if answer and not answer.get("complete", True):
        parts.append("*Stopped before the end.*")
    return "\n\n".join(parts) + "\n"


def conversation_markdown(
    conversation: Conversation, messages: Sequence[Message], about: Sequence[str] = ()
) -> str:
    """The whole conversation: every question, answer and citation, in order."""
    lines = [f"# {_escape(conversation.title)}", ""]
    created = conversation.created_at[:16].replace("T", " ")
    lines.append(f"*Started {created} UTC · {conversation.message_count} messages*")
    if about:
        lines.append("")
        lines.append("About: " + "; ".join(_escape(title) for title in about))
    lines.append("")
    for message in messages:
        if message.role == "user":
            lines += [f"## Q: {_escape(_one_line(message.text))}", ""]
        else:
            lines += [answer_markdown(message.text, message.answer), ""]
    return "\n".join(lines).rstrip() + "\n"
