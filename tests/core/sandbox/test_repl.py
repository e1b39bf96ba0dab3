"""The recursive mode's REPL in ordinary use: variables persist, the document is there to search,
output and answers come back, and llm_query reaches a model in the app."""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import replace

import pytest

from core.errors import LongreadError, SandboxError
from core.sandbox import ALLOWED_IMPORTS, CellResult, Sandbox, SandboxLimits
from tests.core.sandbox.conftest import DOCUMENT, PAGES, SMALL


def test_variables_persist_from_cell_to_cell_in_the_order_defined(repl):
    assert repl.run("total = 40").ok
    assert repl.run("def double(n):\n    return n * 2").ok
    result = repl.run("total = double(total) + 4\nprint(total)")
    assert result == CellResult(
        stdout="84\n",
        error=None,
        variables=["canary", "total", "double"],
        final=None,
        seconds=result.seconds,
    )
    assert repl.run("total").stdout == "84\n"
    repl.run("del total, double")


def test_a_regex_over_the_context_finds_the_chapters(repl):
    result = repl.run(
        "import re\n"
        "titles = re.findall(r'^Chapter (\\d+)\\. (.+)$', context, re.MULTILINE)\n"
        "for number, title in titles:\n"
        "    print(number, title)\n"
    )
    assert result.error is None
    assert result.stdout == "1 The harbour\n2 The lighthouse\n3 The return\n"
    assert "titles" in result.variables and "re" in result.variables


def test_pages_carry_their_numbers_and_text(repl):
    result = repl.run("[p['number'] for p in pages if 'storms' in p['text']]")
    assert result.stdout == "[2]\n"


def test_the_value_of_a_last_line_expression_is_shown_but_none_is_not(repl):
    assert repl.run("len(context)").stdout == f"{len(DOCUMENT)}\n"
    assert repl.run("None").stdout == ""
    assert repl.run("print('once')").stdout == "once\n"


def test_print_output_comes_back_with_its_separators(repl):
    result = repl.run("print('a', 'b', sep='-', end='!')\nprint()\nprint(1, [2], {'k': 3})")
    assert result.stdout == "a-b!\n1 [2] {'k': 3}\n"


def test_the_allowed_modules_import_and_work(repl):
    code = "\n".join(f"import {name}" for name in ALLOWED_IMPORTS) + (
        "\nfrom collections import Counter\n"
        "words = Counter(re.findall(r'\\w+', context.lower()))\n"
        "print(words['ferry'], json.dumps({'storms': 212}), math.isqrt(49),"
        " statistics.mean([1, 2, 3]), textwrap.shorten(context, 20),"
        " difflib.get_close_matches('lighthose', ['lighthouse']), heapq.nlargest(1, [3, 9]),"
        " bisect.bisect([1, 5], 3), list(itertools.islice(itertools.count(), 2)),"
        " functools.reduce(lambda a, b: a + b, [1, 2]), string.digits[:3])"
    )
    result = repl.run(code)
    assert result.error is None, result.error
    assert result.stdout == (
        "2 {\"storms\": 212} 7 2 Chapter 1. The [...] ['lighthouse'] [9] 1 [0, 1] 3 012\n"
    )
    repl.run("del " + ", ".join(ALLOWED_IMPORTS) + ", Counter, words")


def test_names_and_escapes_beyond_ascii_work(repl):
    # The compiler loads unicodedata for these; the REPL can no longer open files by then.
    result = repl.run(
        'année = "\\N{EM DASH}"\nprint(année, "\\N{LATIN SMALL LETTER E WITH ACUTE}")'
    )
    assert result.error is None, result.error
    assert result.stdout == "\u2014 \u00e9\n"
    repl.run("del année")


def test_classes_and_str_format_work_within_the_rules(repl):
    result = repl.run(
        "class Tally:\n"
        "    def __init__(self):\n"
        "        self.count = 0\n"
        "t = Tally()\n"
        "t.count += 2\n"
        "seen = {'storm': 1}\n"
        "seen['storm'] += 1\n"
        "'{0} storms, {n:>4}|{1[storm]}'.format(t.count, seen, n=7)"
    )
    assert result.error is None, result.error
    assert result.stdout == "'2 storms,    7|2'\n"
    repl.run("del Tally, t, seen")


def test_final_gives_the_answer_as_text(repl):
    result = repl.run("FINAL(212)")
    assert result.final == "212" and result.error is None
    assert repl.run("x = 1").final is None  # an answer belongs to the cell that gave it


def test_final_var_gives_a_variable_by_name(repl):
    result = repl.run("answer = 'Ada Brandt'\nFINAL_VAR('answer')")
    assert result.final == "Ada Brandt"
    assert repl.run('FINAL_VAR("  answer ")').final == "Ada Brandt"


def test_final_var_of_a_missing_variable_is_a_readable_error_not_a_crash(repl):
    result = repl.run("keeper = 'Ada'\nFINAL_VAR('answr')")
    assert result.final is None and not result.restarted
    assert result.error.startswith("line 2: NameError: FINAL_VAR: there is no variable named")
    assert "'answr'" in result.error and "keeper" in result.error
    result = repl.run("count = 3\nFINAL_VAR(count)")
    assert "FINAL_VAR takes the name of a variable, in quotes" in result.error
    assert repl.run("FINAL_VAR('keeper')").final == "Ada"


def test_errors_name_the_line_and_the_kind_of_error(repl):
    assert repl.run("x = 1\ny = undefined_name").error == (
        "line 2: NameError: name 'undefined_name' is not defined"
    )
    assert repl.run("x = (1,\n").error.startswith("line 1: SyntaxError:")
    assert repl.run("def broken():\n    return 1 / 0").ok
    assert repl.run("broken()").error.endswith("line 2: ZeroDivisionError: division by zero")


def test_errors_do_not_show_paths_of_this_computer(repl):
    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    cells = ["import json\njson.loads('{')", "1 / 0", "from json import nothing", "x = [][1]"]
    for cell in cells:
        error = repl.run(cell).error
        assert error and project not in error and sys.prefix not in error, error


def test_llm_query_runs_the_callable_in_the_app_process():
    seen: list[tuple[int, str]] = []

    def ask(prompt: str) -> str:
        seen.append((os.getpid(), prompt))
        return f"summary of {len(prompt)} characters"

    with Sandbox(DOCUMENT, PAGES, llm_query=ask, limits=SMALL) as repl:
        result = repl.run("reply = llm_query('Summarise: ' + context[:20])\nprint(reply)")
        assert result.error is None, result.error
        assert result.stdout == "summary of 31 characters\n"
        assert result.sub_calls == 1 and repl.sub_calls == 1
    assert seen == [(os.getpid(), "Summarise: " + DOCUMENT[:20])]


def test_llm_query_batched_sends_one_batch_to_the_batched_callable():
    batches: list[list[str]] = []

    def ask_many(prompts: list[str]) -> list[str]:
        batches.append(prompts)
        return [p.upper() for p in prompts]

    with Sandbox(DOCUMENT, limits=SMALL, llm_query_batched=ask_many) as repl:
        result = repl.run("llm_query_batched(['chapter a', 'chapter b'])")
        assert result.stdout == "['CHAPTER A', 'CHAPTER B']\n"
        assert repl.run("llm_query('one')").stdout == "'ONE'\n"  # single prompts use it too
        assert repl.run("llm_query_batched([])").stdout == "[]\n"
    assert batches == [["chapter a", "chapter b"], ["one"]]


def test_without_a_batched_callable_a_batch_goes_one_prompt_at_a_time():
    prompts: list[str] = []
    with Sandbox("", llm_query=lambda p: prompts.append(p) or "ok", limits=SMALL) as repl:
        assert repl.run("llm_query_batched(['a', 'b', 'c'])").stdout == "['ok', 'ok', 'ok']\n"
    assert prompts == ["a", "b", "c"]


def test_the_sub_call_limit_is_kept_across_cells_and_said_plainly():
    calls: list[str] = []
    limits = replace(SMALL, max_sub_calls=3)
    with Sandbox("", llm_query=lambda p: calls.append(p) or "ok", limits=limits) as repl:
        result = repl.run("llm_query_batched(['a', 'b', 'c', 'd'])")
        assert "LLMQueryError: this batch of 4 prompts would pass the limit of 3" in result.error
        assert repl.run("llm_query('a')\nllm_query('b')").ok
        result = repl.run("answers = []\nfor i in range(10):\n    answers.append(llm_query('x'))")
        assert result.error == (
            "line 3: LLMQueryError: the limit of 3 sub-calls for this question has been "
            "reached; answer with what you have"
        )
        assert result.sub_calls == 1 and repl.sub_calls == 3
        assert repl.run("len(answers)").stdout == "1\n"  # the REPL carries on
    assert calls == ["a", "b", "x"]


def test_a_prompt_over_the_length_limit_never_reaches_the_model():
    calls: list[str] = []
    with Sandbox(DOCUMENT, llm_query=lambda p: calls.append(p) or "", limits=SMALL) as repl:
        result = repl.run("llm_query('x' * 1001)")
        assert "the prompt is 1,001 characters, over the 1,000 one sub-call can take" in (
            result.error
        )
        result = repl.run("llm_query_batched(['ok', 'y' * 5000])")
        assert "prompt 2 is 5,000 characters" in result.error
        result = repl.run(
            "try:\n    llm_query('z' * 2000)\nexcept LLMQueryError:\n    print('split')"
        )
        assert result.stdout == "split\n"
    assert calls == []


def test_llm_query_without_a_model_or_with_a_failing_one_is_an_error_in_the_repl():
    with Sandbox("", limits=SMALL) as repl:
        assert "llm_query is not available" in repl.run("llm_query('hi')").error

    def broken(prompt: str) -> str:
        raise RuntimeError("the model ran out of memory")

    with Sandbox("", llm_query=broken, limits=SMALL) as repl:
        result = repl.run("llm_query('hi')")
        assert "LLMQueryError: the model call failed: the model ran out of memory" in result.error
        assert repl.run("1 + 1").stdout == "2\n"


def test_llm_query_checks_what_it_is_given(repl):
    assert "llm_query takes one prompt, as text" in repl.run("llm_query(3)").error
    error = repl.run("llm_query_batched('one prompt')").error
    assert "llm_query_batched takes a list of prompts" in error


def test_time_spent_waiting_for_the_model_does_not_count_against_the_cell():
    def slow(prompt: str) -> str:
        time.sleep(0.8)
        return "late but fine"

    limits = replace(SMALL, wall_s=1)
    with Sandbox("", llm_query=slow, limits=limits) as repl:
        result = repl.run("a = llm_query('1')\nb = llm_query('2')\nprint(a)")
        assert result.error is None, result.error
        assert result.stdout == "late but fine\n" and result.seconds > 1.5


def test_cancel_stops_a_running_cell_and_the_next_cell_starts_afresh():
    limits = replace(SMALL, cpu_s=30, wall_s=30)
    cancel = threading.Event()
    with Sandbox(DOCUMENT, limits=limits) as repl:
        repl.run("kept = 1")
        threading.Timer(0.3, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(InterruptedError):
            repl.run("while True:\n    pass", cancel=cancel)
        assert time.monotonic() - started < 3
        result = repl.run("print(len(context))")
        assert result.stdout == f"{len(DOCUMENT)}\n" and result.variables == []


def test_context_can_be_a_list_or_a_dict_and_odd_text_survives():
    odd = "caf\u00e9 \U0001f600 \ud800 end"  # a lone surrogate, as PDF extraction can produce
    with Sandbox([odd, "second"], limits=SMALL) as repl:
        assert repl.run("len(context[0]), context[1]").stdout == f"({len(odd)}, 'second')\n"
        assert repl.run("FINAL(context[0])").final == odd
    with Sandbox({"title": "Log", "chapters": ["a", "b"]}, limits=SMALL) as repl:
        assert repl.run("context['chapters'][1]").stdout == "'b'\n"


def test_wrong_arguments_are_refused_before_any_process_starts():
    with pytest.raises(TypeError, match="context must be text"):
        Sandbox(42)
    with pytest.raises(TypeError, match="pages must be a list of dicts"):
        Sandbox("", pages=["page one"])
    with pytest.raises(TypeError, match="only text, numbers, lists and dicts"):
        Sandbox({"when": object()})
    with pytest.raises(ValueError, match="wall_s must be a positive number"):
        SandboxLimits(wall_s=0)


def test_a_closed_sandbox_says_so():
    repl = Sandbox("", limits=SMALL)
    assert repl.run("1").stdout == "1\n"  # started on first use
    repl.close()
    with pytest.raises(SandboxError, match="has been closed") as caught:
        repl.run("1")
    assert isinstance(caught.value, LongreadError)
