"""The three answer modes and the router that picks one for each question."""

from __future__ import annotations

from dataclasses import replace

from core.modes.base import MODES, Answer, Citation, Request, Turn

__all__ = ["MODES", "Answer", "Citation", "Request", "Turn", "ask"]


def ask(request: Request, backend, mode: str = "auto") -> Answer:
    """Answer `request` in `mode` ("auto", "direct", "rag" or "recursive")."""
    from core.modes import followup, router

    steps: list[dict] = []
    if request.history:  # a follow-up: searched, routed and checked in its stand-alone form
        rewrite = followup.standalone(request.question, request.history, backend)
        steps.append(rewrite.step(request.question))
        request = replace(request, question=rewrite.question, asked=request.question)
    answer = _ask(request, backend, mode, router.choose(request, backend))
    answer.trace[:0] = steps
    # Which model answered, on what: Details shows it, and an evaluation records it.
    answer.trace.append(
        {
            "step": "model",
            "model": getattr(backend, "name", ""),
            "runtime": getattr(backend, "runtime", "torch"),
            "device": getattr(backend, "device", ""),
        }
    )
    return answer


def _ask(request: Request, backend, mode: str, choice) -> Answer:
    from core.modes import router, summary

    if mode in ("auto", "recursive") and summary.is_summary(request.question):
        return summary.answer(request, backend, reason="" if mode == "auto" else "Chosen by you.")

    if mode == "auto":
        mode, reason = choice.mode, choice.reason
    else:
        reason = f"Chosen by you. ({choice.reason} Auto would use {choice.mode}.)"
    if mode == "rag" and request.library is None:
        mode, reason = "recursive", reason + " Without a search index, recursive mode is used."
    if mode == "direct":
        from core.modes import direct

        return direct.answer(request, backend, reason=reason)
    if mode == "rag":
        from core.modes import rag

        return rag.answer(request, backend, budget=router.rag_budget(backend), reason=reason)
    if mode == "recursive":
        from core.modes import recursive

        answer = recursive.answer(request, backend)
        answer.reason = reason + (f" {answer.reason}" if answer.reason else "")
        return answer
    raise ValueError(f"unknown mode {mode!r}")
