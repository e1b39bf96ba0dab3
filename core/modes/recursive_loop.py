"""The recursive mode's REPL loop (Zhang, Kraska & Khattab, "Recursive Language Models").

The documents are the variable `context` (and `pages`) in a sandboxed REPL. The root model sees
only their size and a short preview; each turn it writes code in ```repl blocks, the code runs,
and what it printed comes back (cut to fit). Code calls `llm_query(prompt)` to have the same
model read a piece; those sub-calls are plain model calls (depth 1). The loop ends when the model
writes FINAL(answer) or FINAL_VAR(name) at the start of a line, or calls either in its code.
A model whose code fails twice in a row is given up on: the caller runs the fixed plan instead.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from core.documents.models import PAGE_SEPARATOR, Document
from core.errors import SandboxError
from core.modes import recursive_prompts as prompts
from core.modes.recursive_calls import Calls, LimitReached
from core.sandbox import CellResult, Sandbox, SandboxLimits

CHAT_OVERHEAD = 48  # tokens the chat template adds around the messages, with a margin
MIN_REPLY_TOKENS = 256  # a root reply with less room than this cannot hold useful code
PREVIEW_CHARS = 300  # of the context shown to the root model
SAMPLE_CHARS = 100_000  # of the context tokenized to learn its characters per token
CODE_LANGUAGES = ("repl", "python", "py", "python3")
ANSWER_VARIABLES = ("final_answer", "answer", "result", "summary")  # a partial answer's names
_REMOVED = "[This turn's output was removed to save room.]"


# -- what the REPL holds ----------------------------------------------------------------------


def build_context(documents: list[Document]) -> tuple[str, list[dict]]:
    """(`context`, `pages`): the documents' text, and each page's place in it.

    One document's context is exactly its text. Several are joined with a title line before each.
    """
    parts: list[str] = []
    pages: list[dict] = []
    offset = 0

    def add(text: str) -> None:
        nonlocal offset
        parts.append(text)
        offset += len(text)

    for number, doc in enumerate(documents, 1):
        if number > 1:
            add(PAGE_SEPARATOR)
        if len(documents) > 1:
            add(f"=== {doc.title} ===\n")
        for index, page in enumerate(doc.pages):
            if index:
                add(PAGE_SEPARATOR)
            pages.append(
                {
                    "doc": number,
                    "title": doc.title,
                    "page": page.number,
                    "label": page.label or str(page.number),
                    "start": offset,
                    "end": offset + len(page.text),
                    "text": page.text,
                }
            )
            add(page.text)
    return "".join(parts), pages


# -- reading the model's reply ----------------------------------------------------------------


@dataclass
class Reply:
    """A root model's reply: its code blocks, and the final answer it wrote outside them."""

    blocks: list[str] = field(default_factory=list)
    final: str | None = None  # FINAL(...)'s answer
    final_var: str | None = None  # FINAL_VAR(...)'s variable name


_FENCE = re.compile(r"^\s*```\s*([\w+-]*)\s*$")
_FINAL = re.compile(r"^[ \t>*_`]*FINAL(_VAR)?\(")


def parse(reply: str) -> Reply:
    """Code blocks (```repl, ```python) and a FINAL/FINAL_VAR that starts a line of prose.

    FINAL inside a sentence ("then I will call FINAL(answer)") is reasoning, not an answer; one
    inside a code block is code. A block the reply ends without closing (the model ran out of
    tokens) still counts: its error, if any, goes back to the model.
    """
    out = Reply()
    prose: list[str] = []
    language: str | None = None
    body: list[str] = []
    for line in reply.split("\n"):
        fence = _FENCE.match(line)
        if language is None:
            if fence is not None and "```" in line:
                language, body = fence.group(1).lower(), []
            else:
                prose.append(line)
        elif line.strip().startswith("```"):
            if language in CODE_LANGUAGES:
                out.blocks.append("\n".join(body))
            language = None
        else:
            body.append(line)
    if language in CODE_LANGUAGES and body:
        out.blocks.append("\n".join(body))
    for index, line in enumerate(prose):
        found = _FINAL.match(line)
        if found is None:
            continue
        rest = "\n".join([line[found.end() :], *prose[index + 1 :]])
        close = rest.rfind(")")
        value = (rest[:close] if close >= 0 else rest).strip()
        if found.group(1):
            out.final_var = value.strip("'\"` ")
        else:
            out.final = _unquote(value)
        break
    return out


def _unquote(value: str) -> str:
    """FINAL("text") gives text; FINAL(text) gives text too."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        try:
            literal = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        if isinstance(literal, str):
            return literal
    return value


# -- the loop ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    text: str | None  # the answer; None when the model could not do it (run the fixed plan)
    complete: bool = True
    turns: int = 0
    sub_calls: int = 0
    gave_up: str | None = None  # why the fixed plan must take over
    stopped: str | None = None  # the limit that cut the work short


class Loop:
    """One question's conversation with the root model and its REPL."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        request, backend, limits = calls.request, calls.backend, calls.limits
        self.limits = limits
        self.context, self.pages = build_context(request.documents)
        sample = self.context[:SAMPLE_CHARS]
        sample_tokens = max(1, backend.count_tokens(sample)) if sample else 1
        chars_per_token = max(1.0, len(sample) / sample_tokens) if sample else 4.0
        self.context_tokens = int(len(self.context) / chars_per_token)
        # A sub-call's prompt may fill the window less its answer; in characters, a little under
        # the measured rate so a page denser than the sample still fits.
        self.budget_tokens = backend.context_window - limits.sub_new_tokens - CHAT_OVERHEAD
        self.budget_chars = max(500, int(self.budget_tokens * chars_per_token * 0.9))
        # What a turn's output may take: a quarter of the window, at most the reference's 20k.
        self.output_chars = int(
            min(20_000, max(1_000, backend.context_window * chars_per_token / 4))
        )
        self.sandbox_limits = SandboxLimits(
            wall_s=limits.cell_wall_s,
            cpu_s=limits.cell_cpu_s,
            output_chars=self.output_chars,
            max_sub_calls=limits.max_sub_calls,
            max_prompt_chars=self.budget_chars,
        )
        self.turn = 0
        self.cells_ok = 0  # cells that ran without an error, all turns together
        self.sub_answers: list[str] = []
        self._last: CellResult | None = None  # the latest cell's result: its variables

    # -- the conversation -------------------------------------------------------------------

    def first_messages(self) -> list[dict]:
        request, limits = self.calls.request, self.limits
        docs = request.documents
        titles = "; ".join(f"“{d.title}” ({len(d.pages)} pages)" for d in docs[:10])
        if len(docs) > 10:
            titles += f"; and {len(docs) - 10} more"
        described = f"{len(docs)} document{'s' if len(docs) != 1 else ''}: {titles}"
        system = prompts.system_prompt(
            chars=len(self.context),
            budget_chars=self.budget_chars,
            budget_tokens=self.budget_tokens,
            output_chars=self.output_chars,
            turns=limits.max_iterations,
            sub_calls=limits.max_sub_calls,
        )
        first = prompts.FIRST_TURN.format(
            question=request.question,
            described=described,
            chars=len(self.context),
            tokens=self.context_tokens,
            preview=self.context[:PREVIEW_CHARS],
            turns=limits.max_iterations,
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": first}]

    def fit(self, messages: list[dict]) -> int:
        """Make the conversation fit the window (old outputs go first, then old replies);
        the most tokens the next reply may take."""
        window = self.calls.backend.context_window

        def room() -> int:
            used = self.calls.prompt_tokens(messages) + CHAT_OVERHEAD * len(messages)
            return window - used

        wanted = self.limits.root_new_tokens
        for role in ("user", "assistant"):
            for message in messages[2:-1]:
                if room() >= wanted:
                    break
                if message["role"] == role:
                    message["content"] = _REMOVED
        left = room()
        if left < min(wanted, MIN_REPLY_TOKENS):
            raise LimitReached("the conversation no longer fits the model's window")
        return min(wanted, left)

    def sub_call(self, prompt: str) -> str:
        """`llm_query` in the REPL: one plain call to the same model."""
        tokens = self.calls.backend.count_tokens(prompt)
        if tokens > self.budget_tokens:
            raise ValueError(
                f"the prompt is {tokens:,} tokens, over the {self.budget_tokens:,} one sub-call "
                "can take; send a shorter piece"
            )
        answer = self.calls.ask(
            [{"role": "user", "content": prompt}],
            step="sub_call",
            turn=self.turn,
            max_new_tokens=self.limits.sub_new_tokens,
        )
        self.sub_answers.append(answer)
        return answer

    # -- running ----------------------------------------------------------------------------

    def run(self) -> Outcome:
        try:
            with Sandbox(
                self.context, self.pages, llm_query=self.sub_call, limits=self.sandbox_limits
            ) as repl:
                setup = repl.run(f"question = {self.calls.request.question!r}")
                if not setup.ok:
                    raise SandboxError(setup.error or "the REPL could not be set up")
                return self._converse(repl)
        except SandboxError as e:
            return Outcome(None, gave_up=f"the code sandbox failed ({e})", turns=self.turn)

    def _converse(self, repl: Sandbox) -> Outcome:
        calls, limits = self.calls, self.limits
        messages = self.first_messages()
        failures = 0
        while self.turn < limits.max_iterations:
            self.turn += 1
            self.calls.request.progress(
                self.turn - 1, limits.max_iterations, f"The model is working (turn {self.turn})"
            )
            try:
                room = self.fit(messages)
                reply = calls.ask(messages, step="root", turn=self.turn, max_new_tokens=room)
            except LimitReached as e:
                return self._unfinished(repl, messages, str(e), ask_model=False)
            parsed = parse(reply)
            calls.trace[-1].update(blocks=len(parsed.blocks))
            messages.append({"role": "assistant", "content": reply})
            feedback, answer, ran = self._execute(repl, parsed)
            if answer is not None:
                calls.trace.append({"step": "final", "turn": self.turn})
                return Outcome(answer, turns=self.turn, sub_calls=repl.sub_calls)
            messages.append({"role": "user", "content": feedback})
            if calls.reached is not None:  # a sub-call hit the time or token limit
                return self._unfinished(repl, messages, calls.reached, ask_model=False)
            failures = 0 if ran else failures + 1
            if failures >= limits.max_failures:
                why = (
                    f"the model's code failed to run {failures} times in a row"
                    if parsed.blocks
                    else f"the model wrote no code it could run, {failures} times in a row"
                )
                return Outcome(None, gave_up=why, turns=self.turn, sub_calls=repl.sub_calls)
            if repl.sub_calls >= limits.max_sub_calls:
                why = f"the limit of {limits.max_sub_calls} sub-calls was reached"
                return self._unfinished(repl, messages, why, ask_model=True)
            if self.turn < limits.max_iterations:
                messages[-1]["content"] += "\n\n" + prompts.NEXT_TURN.format(
                    turn=self.turn + 1,
                    turns=limits.max_iterations,
                    question=calls.request.question,
                )
        why = f"the limit of {limits.max_iterations} turns was reached"
        return self._unfinished(repl, messages, why, ask_model=True)

    def _execute(self, repl: Sandbox, reply: Reply) -> tuple[str, str | None, bool]:
        """(feedback for the model, the final answer if one was given, whether code ran)."""
        shown: list[str] = []
        ran = False
        for number, code in enumerate(reply.blocks, 1):
            result = self._cell(repl, code, block=number)
            ran = ran or result.ok
            shown.append(_describe(result, number, len(reply.blocks)))
            if result.final is not None:
                return "", result.final, True
            if self.calls.reached is not None:
                break
        if reply.final_var is not None:
            result = self._cell(repl, f"FINAL_VAR({reply.final_var!r})", block="FINAL_VAR")
            if result.final is not None:
                return "", result.final, True
            shown.append(f"FINAL_VAR failed: {result.error}")
        elif reply.final is not None:
            if self.cells_ok:
                return "", reply.final, True
            shown.append(prompts.TOO_EARLY)
        if not reply.blocks and reply.final is None and reply.final_var is None:
            shown.append(prompts.NO_CODE)
        variables = _variables(self._last)
        if variables:
            shown.append(f"REPL variables: {variables}")
        text = "\n\n".join(shown)
        if len(text) > self.output_chars:
            cut = len(text) - self.output_chars
            text = text[: self.output_chars] + f"\n[output cut: {cut:,} more characters]"
        return text, None, ran

    def _cell(self, repl: Sandbox, code: str, *, block) -> CellResult:
        result = repl.run(code, cancel=self.calls.request.cancel)
        self._last = result
        if result.ok:
            self.cells_ok += 1
        self.calls.trace.append(
            {
                "step": "cell",
                "turn": self.turn,
                "block": block,
                "code_chars": len(code),
                "output_chars": len(result.stdout),
                "error": result.error,
                "sub_calls": result.sub_calls,
                "seconds": round(result.seconds, 3),
                **({"restarted": True} if result.restarted else {}),
            }
        )
        return result

    # -- stopping early ---------------------------------------------------------------------

    def _unfinished(self, repl: Sandbox, messages: list[dict], why: str, *, ask_model: bool):
        """The best answer there is when a limit stops the loop, said to be incomplete."""
        best = None
        if ask_model:  # one last turn, without code, if time and tokens allow it
            last = prompts.LAST_TURN.format(why=why)
            if messages[-1]["role"] == "user":  # the last turn's output, then this
                messages = [
                    *messages[:-1],
                    {"role": "user", "content": f"{messages[-1]['content']}\n\n{last}"},
                ]
            else:
                messages = [*messages, {"role": "user", "content": last}]
            try:
                room = self.fit(messages)
                reply = self.calls.ask(messages, step="root", turn="last", max_new_tokens=room)
            except LimitReached:
                reply = ""
            parsed = parse(reply)
            if parsed.final_var is not None:
                result = self._cell(repl, f"FINAL_VAR({parsed.final_var!r})", block="FINAL_VAR")
                best = result.final
            elif parsed.final is not None:
                best = parsed.final
            elif reply.strip() and not parsed.blocks:
                best = reply.strip()
        if best is None:
            best = self._answer_variable(repl)
        if best is None and self.sub_answers:
            best = self.sub_answers[-1].strip() or None
        if best:
            text = f"{best}\n\n(Incomplete: {why}; this is the best answer so far.)"
        else:
            text = f"No answer: {why} before the model found one."
        return Outcome(text, complete=False, turns=self.turn, sub_calls=repl.sub_calls, stopped=why)

    def _answer_variable(self, repl: Sandbox) -> str | None:
        """A text the model's code had put in a variable named like an answer."""
        names = set(self._last.variables) if self._last is not None else set()
        for name in ANSWER_VARIABLES:
            if name not in names:
                continue
            try:
                result = repl.run(f"FINAL_VAR({name!r})", cancel=self.calls.request.cancel)
            except SandboxError:
                return None
            if result.final and result.final.strip():
                return result.final.strip()
        return None


def _variables(result: CellResult | None) -> str:
    if result is None or not result.variables:
        return ""
    names = result.variables
    shown = ", ".join(names[:40])
    return shown + (f", and {len(names) - 40} more" if len(names) > 40 else "")


def _describe(result: CellResult, number: int, blocks: int) -> str:
    """One cell's output as the model sees it."""
    title = f"Output of block {number}:" if blocks > 1 else "Output:"
    text = result.stdout.rstrip("\n") or "(nothing printed)"
    if result.error:
        text += f"\nError: {result.error}"
    return f"{title}\n{text}"


def run(calls: Calls) -> Outcome:
    return Loop(calls).run()
