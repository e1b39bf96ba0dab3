"""Recursive mode: the REPL loop with a scripted model that writes real code, the map-reduce
plan, limits and cancel; and the plan with the real bundled model on a long document."""

from __future__ import annotations

import re
import threading
import time

import pytest

from core.documents.models import Document, make_pages
from core.llm import complete
from core.llm.base import GenerationStats
from core.modes import recursive
from core.modes.base import Request
from core.modes.recursive import RecursiveLimits
from core.modes.recursive_loop import build_context, parse
from core.modes.recursive_map import slices
from tests.core.llm import texts

# -- a model that follows a script ------------------------------------------------------------

_NAME = re.compile(r"\b([A-Z][a-z]+ [A-Z][a-z]+)\b, the")


def hallucinating(prompt: str) -> str:
    """A sub-model like the bundled one: right where the fact is, and elsewhere it names
    someone from the text rather than saying NOT FOUND."""
    if texts.NEEDLE in prompt:
        return "The harbour master of Port Elling is Mirela Voss."
    found = _NAME.search(prompt)
    return f"The harbour master of Port Elling is {found.group(1)}." if found else "NOT FOUND"


class Scripted:
    """A Backend whose root model replies from a script (real code in fenced blocks) and whose
    sub-calls are answered by `sub(prompt)`. It records every conversation it is sent."""

    name = "scripted"
    device = "cpu"

    def __init__(self, replies=(), *, window=32_768, sub=hallucinating, delay=0.0, params=None):
        self.replies = list(replies)
        self.context_window = window
        self.sub = sub
        self.delay = delay  # seconds per streamed word
        self.roots: list[list[dict]] = []  # the messages of each root call
        self.subs: list[str] = []  # the prompt of each other call
        self.last_stats = GenerationStats()
        if params is not None:
            self.parameter_count = params

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    def fits(self, prompt_tokens: int, max_new_tokens: int = 512) -> bool:
        return prompt_tokens + max_new_tokens <= self.context_window

    def stream(self, messages, max_new_tokens=512, stop=None, cancel=None):
        assert sum(self.count_tokens(m["content"]) for m in messages) < self.context_window
        if messages[0]["role"] == "system":
            self.roots.append([dict(m) for m in messages])
            reply = self.replies.pop(0) if self.replies else "I have nothing more to add."
        else:
            self.subs.append(messages[-1]["content"])
            reply = self.sub(messages[-1]["content"])
        for word in re.findall(r"\s*\S+", reply):
            if cancel is not None and cancel.is_set():
                return
            if self.delay:
                time.sleep(self.delay)
            yield word


def chronicle(pages: int = 12, needle_page: int = 8, seed: int = 3) -> Document:
    """A made-up chronicle, four paragraphs a page, with the planted fact on `needle_page`
    (none when it is 0)."""
    paragraphs = texts.chronicle(pages * 4, seed)
    if needle_page:
        paragraphs[(needle_page - 1) * 4 + 2] += " " + texts.NEEDLE
    text = ["\n\n".join(paragraphs[i : i + 4]) for i in range(0, len(paragraphs), 4)]
    return Document("/c.txt", "Chronicle", "0" * 64, "txt", "page", make_pages(text), id=3)


def ask(backend, doc=None, *, plan="auto", limits=None, **request):
    doc = doc or chronicle()
    return recursive.answer(
        Request(texts.QUESTION, [doc], None, **request), backend, plan=plan, limits=limits
    )


def steps(answer, name):
    return [e for e in answer.trace if e["step"] == name]


def told(backend, turn: int) -> str:
    """What the root model was told last before writing its reply on `turn` (1-based)."""
    return backend.roots[turn - 1][-1]["content"]


# -- the REPL loop ----------------------------------------------------------------------------


def test_the_loop_runs_the_code_feeds_its_output_back_and_answers_with_final_var():
    doc = chronicle()
    context, pages = build_context([doc])
    backend = Scripted(
        [
            "First I look at the size of the context.\n```repl\nprint(len(context), len(pages))\n"
            "print(pages[2]['label'], pages[2]['start'])\n```",
            "Now I ask about the pages that mention the harbour.\n```python\n"
            "hits = [p for p in pages if 'harbour' in p['text'].lower()]\n"
            "print('pages:', [p['page'] for p in hits])\n"
            "found = llm_query_batched([p['text'] + '\\nQuestion: ' + question for p in hits])\n"
            "print(found)\n"
            "result = found[0] + ' (page ' + str(hits[0]['page']) + ')'\n```",
            "The answer is in `result`.\nFINAL_VAR(result)",
        ]
    )
    answer = ask(backend, doc, plan="code")

    assert answer.text == "The harbour master of Port Elling is Mirela Voss. (page 8)"
    assert answer.complete and answer.mode == "recursive"
    assert "3 turns, 1 sub-call" in answer.reason
    # The root model never saw the text, only its size, a preview and the system prompt...
    system, first = backend.roots[0][0]["content"], backend.roots[0][1]["content"]
    assert texts.NEEDLE not in system + first and f"{len(context):,} characters" in first
    assert context[:200] in first
    # ...and what its code printed, turn by turn.
    assert f"{len(context)} {len(pages)}" in told(backend, 2)
    assert f"3 {pages[2]['start']}" in told(backend, 2)
    assert "pages: [8]" in told(backend, 3) and "Mirela Voss" in told(backend, 3)
    assert "REPL variables: question, hits, found, result" in told(backend, 3)
    assert "Turn 3 of 12" in told(backend, 3)
    # One sub-call, on page 8's text, counted and traced with its sizes.
    assert len(backend.subs) == 1 and texts.NEEDLE in backend.subs[0]
    (sub,) = steps(answer, "sub_call")
    assert sub["prompt_tokens"] > 100 and sub["new_tokens"] > 5 and sub["turn"] == 2
    assert [c["error"] for c in steps(answer, "cell")] == [None, None, None]
    assert answer.citations and answer.citations[0].page == 8
    assert texts.NEEDLE in answer.citations[0].quote


def test_the_system_prompt_states_this_models_sub_call_budget_not_the_reference_500k():
    small, large = Scripted(["FINAL(x)"] * 3, window=16_384), Scripted(["FINAL(x)"] * 3)
    for backend in (small, large):
        ask(backend, plan="code", limits=RecursiveLimits(max_failures=1))
    budgets = []
    for backend in (small, large):
        system = backend.roots[0][0]["content"]
        assert "500K" not in system and "500,000" not in system
        chars = int(re.search(r"at most ([\d,]+) characters", system).group(1).replace(",", ""))
        budgets.append(chars)
    # (window - answer - template) tokens at ~4 characters a token, less 10%.
    assert 40_000 < budgets[0] < 16_384 * 4 and 1.9 * budgets[0] < budgets[1] < 32_768 * 4


def test_final_in_reasoning_is_not_an_answer_final_at_a_line_start_is():
    backend = Scripted(
        [
            "I will print the start, and then call FINAL(answer) once I know it.\n"
            "```repl\nprint(context[:40])\n```",
            "It says so on page 8.\nFINAL(Mirela Voss is the harbour master.)",
        ]
    )
    answer = ask(backend, plan="code")
    assert len(backend.roots) == 2
    assert answer.text == "Mirela Voss is the harbour master."
    assert answer.complete


def test_final_before_any_code_has_run_is_refused():
    backend = Scripted(
        [
            "FINAL(Someone guessed.)",
            "```repl\nprint(len(context))\n```",
            'FINAL("Mirela Voss")',
        ]
    )
    answer = ask(backend, plan="code")
    assert "before running any code" in told(backend, 2)
    assert answer.text == "Mirela Voss" and len(backend.roots) == 3


def test_final_var_of_a_missing_variable_goes_back_to_the_model_which_can_recover():
    backend = Scripted(
        [
            "```repl\nx = len(context)\n```",
            "FINAL_VAR(missing)",
            "Let me set it.\n```repl\nmissing = 'Mirela Voss'\n```\nFINAL_VAR(missing)",
        ]
    )
    answer = ask(backend, plan="code")
    assert "no variable named 'missing'" in told(backend, 3)
    assert "the variables defined so far are: question, x" in told(backend, 3)
    assert answer.text == "Mirela Voss" and answer.complete
    assert not steps(answer, "switch")


def test_final_called_in_the_code_ends_the_loop():
    backend = Scripted(
        [
            "```repl\nimport re\nm = re.search(r'named ([A-Z]\\w+ [A-Z]\\w+)', context)\n"
            "FINAL(m.group(1))\nprint('never shown')\n```"
        ]
    )
    answer = ask(backend, plan="code")
    assert answer.text == "Mirela Voss" and len(backend.roots) == 1


@pytest.mark.parametrize(
    ("reply", "blocks", "final", "final_var"),
    [
        ("Plan: peek, then FINAL(x).", 0, None, None),
        ("Done.\nFINAL(Mirela Voss)", 0, "Mirela Voss", None),
        ("Done.\n  FINAL('Mirela (M.) Voss')\n", 0, "Mirela (M.) Voss", None),
        ("FINAL(two\nlines)", 0, "two\nlines", None),
        ("FINAL_VAR( 'answer' )", 0, None, "answer"),
        ("**FINAL_VAR(answer)**", 0, None, "answer"),
        ("```repl\nFINAL('in code')\n```", 1, None, None),
        ("```python\na = 1\n```\ntext\n```py\nb = 2\n```", 2, None, None),
        ("```text\nFINAL(in an output block)\n```", 0, None, None),
        ("```repl\nx = [1,\n", 1, None, None),  # cut off: still run, its error goes back
        ("```\nprint(1)\n```", 0, None, None),  # no language: not code for the REPL
    ],
)
def test_parse_finds_code_blocks_and_final_only_at_a_line_start(reply, blocks, final, final_var):
    parsed = parse(reply)
    assert (len(parsed.blocks), parsed.final, parsed.final_var) == (blocks, final, final_var)


def test_two_turns_of_failing_code_switch_to_the_map_reduce_plan():
    backend = Scripted(
        [
            "```repl\nprint(lenght(context))\n```",
            "```repl\nimport os\nprint(os.listdir('/'))\n```",
            "FINAL(never asked)",
        ]
    )
    answer = ask(backend, plan="code")
    assert len(backend.roots) == 2
    assert "NameError" in told(backend, 2)
    (switch,) = steps(answer, "switch")
    assert "failed to run 2 times" in switch["why"]
    assert "code did not work" in answer.reason
    assert steps(answer, "map") and answer.complete
    assert "Mirela Voss" in answer.text
    assert answer.citations[0].page == 8


def test_replies_without_code_also_count_as_failures():
    backend = Scripted(["I think the answer is on page 8.", "It is probably Mirela Voss."])
    answer = ask(backend, plan="code")
    assert "no ```repl code block" in told(backend, 2)
    assert "wrote no code" in steps(answer, "switch")[0]["why"]
    assert "Mirela Voss" in answer.text


def test_the_turn_limit_asks_for_a_last_answer_and_says_it_is_incomplete():
    backend = Scripted(
        ["```repl\nprint(1)\n```", "```repl\nprint(2)\n```", "FINAL(Perhaps Mirela Voss.)"]
    )
    answer = ask(backend, plan="code", limits=RecursiveLimits(max_iterations=2))
    assert len(backend.roots) == 3 and "Do not write code" in told(backend, 3)
    assert answer.text.startswith("Perhaps Mirela Voss.")
    assert "Incomplete: the limit of 2 turns was reached" in answer.text
    assert not answer.complete and "stopped early" in answer.reason


def test_the_sub_call_limit_is_counted_across_cells_and_enforced():
    backend = Scripted(
        [
            "```repl\nr = [llm_query('piece ' + str(i)) for i in range(2)]\nprint(r)\n```",
            "```repl\nfor i in range(5):\n    r.append(llm_query('more ' + str(i)))\n```",
            "FINAL(What I found so far.)",
        ],
        sub=lambda prompt: "NOT FOUND",
    )
    answer = ask(backend, plan="code", limits=RecursiveLimits(max_sub_calls=3))
    assert len(backend.subs) == 3  # two in the first cell, one more, then refused
    assert "limit of 3 sub-calls" in [c["error"] for c in steps(answer, "cell")][1]
    assert answer.text.startswith("What I found so far.") and not answer.complete
    assert "limit of 3 sub-calls" in answer.text


def test_the_token_limit_stops_without_another_call_and_keeps_the_answer_variable():
    backend = Scripted(
        [
            "```repl\nanswer = llm_query('Who? ' + context[:100])\nprint(context[:8000])\n```",
            "FINAL(never asked)",
        ],
        sub=lambda prompt: "Probably Mirela Voss.",
    )
    answer = ask(backend, plan="code", limits=RecursiveLimits(max_total_tokens=2_500))
    assert len(backend.roots) == 1
    assert answer.text.startswith("Probably Mirela Voss.") and not answer.complete
    assert "2,500 tokens" in answer.text and steps(answer, "limit")


def test_pages_map_back_to_their_place_in_the_context_across_documents():
    one, two = chronicle(pages=3, needle_page=2), chronicle(pages=2, needle_page=0, seed=5)
    two.title = "Second"
    context, pages = build_context([one, two])
    assert [(p["doc"], p["page"]) for p in pages] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2)]
    assert all(context[p["start"] : p["end"]] == p["text"] for p in pages)
    assert "=== Second ===" in context
    assert build_context([one])[0] == one.text  # one document: exactly its text


def test_documents_without_text_are_answered_without_a_model_call():
    empty = Document("/e.txt", "Empty", "2" * 64, "txt", "page", make_pages(["", "  "]))
    backend = Scripted(["```repl\nprint(1)\n```"])
    answer = ask(backend, empty, plan="code")
    assert "no text" in answer.text and not backend.roots and not backend.subs


def test_old_outputs_make_room_when_the_conversation_outgrows_the_window():
    doc = chronicle(pages=20)
    show = "```repl\nprint(context[:6000])\n```"
    backend = Scripted([show, show, show, show, "FINAL(Mirela Voss)"], window=6_000)
    answer = ask(backend, doc, plan="code")  # Scripted fails on any prompt over its window
    assert answer.text == "Mirela Voss" and len(backend.roots) == 5
    last = backend.roots[-1]
    assert last[2]["content"].startswith("```repl")  # the model's own code is kept longest
    assert last[3]["content"] == "[This turn's output was removed to save room.]"
    assert last[-1]["content"].startswith("Output:\n" + doc.text[:100])  # the latest is whole
    assert "[output cut:" in last[-1]["content"]  # a turn's output is cut to fit the window


def test_depth_other_than_one_is_refused():
    with pytest.raises(ValueError, match="depth 1"):
        RecursiveLimits(max_depth=2)


# -- who writes code --------------------------------------------------------------------------


def test_the_rule_for_trying_code_first():
    class Bundled(Scripted):
        spec = type("Spec", (), {"text": "default"})()

    assert not recursive.writes_code(Bundled(window=1_000_000))[0]
    assert recursive.writes_code(Scripted(window=8_192, params=7_000_000_000))[0]
    assert not recursive.writes_code(Scripted(window=131_072, params=1_500_000_000))[0]
    assert recursive.writes_code(Scripted(window=32_768))[0]  # size unknown: the window says
    assert not recursive.writes_code(Scripted(window=8_192))[0]


def test_auto_goes_straight_to_the_plan_for_a_small_model_and_tries_code_for_a_large_one():
    small = Scripted(["```repl\nprint(1)\n```"], window=8_192)
    answer = ask(small)
    assert not small.roots and steps(answer, "plan")[0]["uses"] == "map_reduce"
    assert "too small to write code" in answer.reason
    large = Scripted(["```repl\nprint(1)\n```", "FINAL(Mirela Voss)"], window=32_768)
    assert ask(large).text == "Mirela Voss" and len(large.roots) == 2


# -- the map-reduce plan ----------------------------------------------------------------------


def test_slices_fit_the_budget_and_keep_every_page_in_order():
    doc = chronicle(pages=30)
    long_page = "\n\n".join(texts.chronicle(40, seed=9))  # ~3,000 tokens: longer than a slice
    doc.pages = make_pages([p.text for p in doc.pages] + [long_page])
    count = Scripted().count_tokens
    parts = slices([doc], count, 1_000)
    assert len(parts) > 5
    assert all(p.tokens <= 1_000 and count(p.text) <= 1_000 for p in parts)
    seen = [page.number for p in parts for _, page in p.sources]
    assert seen == sorted(seen) and set(seen) == {p.number for p in doc.pages}
    cut = [p for p in parts if p.sources[0][1].number == 31]
    assert len(cut) >= 3 and " ".join(p.text for p in cut).split() == long_page.split()
    assert parts[0].pages().startswith("pages 1–")


def test_map_reduce_keeps_the_grounded_partial_answer_and_cites_its_page():
    streamed, progress = [], []
    backend = Scripted(window=1_024)
    answer = ask(
        backend,
        chronicle(pages=20),
        plan="map_reduce",
        on_token=streamed.append,
        on_progress=lambda *a: progress.append(a),
    )
    maps = steps(answer, "map")
    assert len(maps) == len(backend.subs) > 4  # every slice asked, in one call each
    assert all(e["prompt_tokens"] < 1_024 and "seconds" in e for e in maps)
    # Every slice named someone; only the needle's slice has evidence near the question.
    assert all("harbour master" in e["answer"] for e in maps)
    assert [e["kept"] for e in maps].count(True) == 1
    assert answer.text == "The harbour master of Port Elling is Mirela Voss."
    assert "".join(streamed) == answer.text and answer.complete
    assert answer.citations[0].page == 8 and texts.NEEDLE in answer.citations[0].quote
    assert progress[0][:2] == (0, len(maps) + 1) and progress[-1][0] == progress[-1][1]
    assert "Reading part 1 of" in progress[0][2]


def test_partial_answers_that_do_not_fit_one_call_are_reduced_in_groups():
    def everywhere(prompt: str) -> str:
        if prompt.startswith("Notes"):
            return "Combined: " + re.findall(r"\b([A-Z][a-z]+ [A-Z][a-z]+)\b", prompt)[0]
        found = _NAME.search(prompt)
        return f"{found.group(1)} {'and many more words ' * 30}"

    backend = Scripted(window=1_200, sub=everywhere)
    limits = RecursiveLimits(slice_tokens=300, map_new_tokens=200)
    doc = chronicle(pages=16, needle_page=0)
    answer = ask(backend, doc, plan="map_reduce", limits=limits, max_new_tokens=64)
    reduces = steps(answer, "reduce")
    assert len(reduces) >= 3  # groups, then their results
    assert all(e["prompt_tokens"] <= 1_200 - 64 for e in reduces)
    assert answer.text.startswith("Combined:")


def test_nothing_found_says_so_plainly():
    backend = Scripted(window=2_048, sub=lambda prompt: "NOT FOUND")
    answer = ask(backend, plan="map_reduce")
    assert answer.text.startswith("I could not find this in the selected documents")
    assert not answer.supported and answer.complete
    # The chips are the passages nearest the question, not support for an answer.
    assert all(c.quote in chronicle().text for c in answer.citations)


def test_invented_partial_answers_are_dropped_before_the_reduce():
    # A small model asked for a code invents one in every part (seen: "1234567890").
    backend = Scripted(window=2_048, sub=lambda prompt: "The code is 1234567890.")
    answer = ask(backend, plan="map_reduce")
    assert answer.text.startswith("I could not find this in the selected documents")
    assert not answer.supported
    maps = steps(answer, "map")
    assert maps and all(m["kept"] is False for m in maps)
    assert all("1234567890" in m["why"] for m in maps)
    assert not steps(answer, "reduce")  # nothing invented reaches the combining step


def test_a_combined_answer_the_pages_do_not_hold_gives_way_to_the_parts_answers():
    def sub(prompt: str) -> str:
        if prompt.startswith("Notes"):
            return "Combined: 42 harbour masters."  # a number no page holds
        found = _NAME.search(prompt)
        return f"{found.group(1)} is named here."

    backend = Scripted(window=1_200, sub=sub)
    limits = RecursiveLimits(slice_tokens=300, map_new_tokens=60)
    answer = ask(backend, chronicle(pages=6, needle_page=0), plan="map_reduce", limits=limits)
    assert answer.supported and "42" not in answer.text
    assert answer.text.startswith("- ") and "(page" in answer.text
    [step] = [s for s in answer.trace if s.get("step") == "grounding"]
    assert step["draft"] == "Combined: 42 harbour masters." and step["shown"] is False
    assert answer.citations


def test_the_time_limit_returns_the_partial_answers_so_far():
    backend = Scripted(window=1_024, delay=0.02)
    answer = ask(backend, plan="map_reduce", limits=RecursiveLimits(wall_s=0.5))
    assert not answer.complete and "time limit" in answer.reason
    assert "(stopped early: the time limit of 0.5 seconds was reached)" in answer.text
    assert 1 <= len(backend.subs) < len(slices([chronicle()], backend.count_tokens, 800))


# -- cancel -----------------------------------------------------------------------------------


def test_cancel_stops_the_map_reduce_plan_promptly():
    cancel = threading.Event()
    backend = Scripted(window=1_024, delay=0.1)

    def on_progress(done, total, message):
        if done == 1:
            threading.Timer(0.3, cancel.set).start()

    started = time.monotonic()
    answer = ask(backend, plan="map_reduce", cancel=cancel, on_progress=on_progress)
    after_cancel = time.monotonic() - started
    assert not answer.complete and steps(answer, "cancelled")
    assert len(backend.subs) == 2 and "you cancelled" in answer.text
    assert after_cancel < 1.0 + 0.3 + 1.2  # one slice's answer (~1 s), the wait, one word


def test_cancel_during_a_sub_call_inside_a_cell_stops_promptly():
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def slow_sub(prompt: str) -> str:
        if not cancelled_at:  # the user cancels 0.3 s into the first sub-call
            cancelled_at.append(time.monotonic() + 0.3)
            threading.Timer(0.3, cancel.set).start()
        return "NOT FOUND " * 30

    backend = Scripted(
        ["```repl\nanswers = [llm_query(p['text']) for p in pages]\n```"], sub=slow_sub, delay=0.05
    )
    answer = ask(backend, plan="code", cancel=cancel)
    assert time.monotonic() - cancelled_at[0] < 0.5
    assert not answer.complete and answer.text.startswith("Stopped")
    assert len(backend.subs) == 1 and steps(answer, "cancelled")


# -- the real bundled model -------------------------------------------------------------------


def _paged(text: str, per_page: int = 6) -> Document:
    blocks = text.split("\n\n")
    pages = ["\n\n".join(blocks[i : i + per_page]) for i in range(0, len(blocks), per_page)]
    return Document("/c.txt", "Chronicle", "1" * 64, "txt", "page", make_pages(pages), id=5)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # ~1.5 min on a quiet 2-core machine; 22 min on a very busy one
def test_the_bundled_model_finds_a_fact_planted_in_20k_tokens_and_cites_its_page(smollm):
    doc = _paged(texts.planted(smollm.count_tokens, 20_000, depth=0.6, seed=7))
    needle_page = next(p for p in doc.pages if texts.NEEDLE in p.text)
    assert not recursive.writes_code(smollm)[0]
    progress: list[tuple] = []
    answer = recursive.answer(
        Request(texts.QUESTION, [doc], None, on_progress=lambda *a: progress.append(a)), smollm
    )
    maps = steps(answer, "map")
    assert len(maps) >= 10  # ~1,500-token slices for a model this small
    assert all(e["prompt_tokens"] <= 1_500 + 100 for e in maps)
    assert texts.ANSWER in answer.text and answer.complete
    assert answer.citations and answer.citations[0].page == needle_page.number
    assert texts.NEEDLE in answer.citations[0].quote
    assert len(progress) >= len(maps)


@pytest.mark.slow
def test_cancel_stops_the_bundled_model_within_a_moment(smollm):
    doc = _paged(texts.planted(smollm.count_tokens, 20_000, depth=0.5, seed=12))
    complete(smollm, [{"role": "user", "content": "Hi"}], max_new_tokens=1)  # warm, if first
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    started = time.monotonic()
    answer = recursive.answer(Request(texts.QUESTION, [doc], None, cancel=cancel), smollm)
    # Reading all of it takes a minute or more; a cancel ends the prefill step under way
    # (~0.2 s on a quiet machine, a few seconds on a busy one) and no other call starts.
    assert time.monotonic() - started < 1.0 + 8.0
    assert not answer.complete and "you cancelled" in answer.text
    assert len(steps(answer, "map")) == 1 and smollm.last_stats.stopped_by == "cancel"
