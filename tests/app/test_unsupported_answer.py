"""An answer the documents do not support is shown as "not found": its chips are labelled as
the nearest passages, and Details keeps the model's draft and why it was set aside."""

from __future__ import annotations

from app.chat_panel import AnswerWidget

SET_ASIDE = {
    "answer": "I could not find this in the selected documents.",
    "mode": "rag",
    "reason": "The selection is long.",
    "complete": True,
    "supported": False,
    "citations": [
        {
            "doc": 1,
            "title": "Report",
            "page": 11,
            "page_label": "11",
            "page_unit": "page",
            "start": 0,
            "end": 10,
            "quote": "The vault is closed on Sundays.",
        },
    ],
    "timings": {"total": 1.4},
    "trace": [
        {"step": "search", "found": 8},
        {
            "step": "grounding",
            "shown": False,
            "draft": "The access code is 1234567890.",
            "why": "not supported by the documents: no passage it could cite holds 1234567890",
        },
    ],
}


def test_a_set_aside_answer_says_so_and_keeps_the_draft_in_details(qtbot):
    widget = AnswerWidget()
    qtbot.addWidget(widget)
    widget.show_answer(SET_ASIDE)
    assert widget.body.text() == "I could not find this in the selected documents."
    assert "nearest your question" in widget.status.text()
    assert len(widget.chips) == 1
    details = widget.details.text()
    assert "Not shown" in details and "1234567890" in details
    assert details.count("1234567890") == 2  # the draft and why, once each: not the raw step


def test_a_supported_answer_has_no_such_note(qtbot):
    widget = AnswerWidget()
    qtbot.addWidget(widget)
    widget.show_answer({**SET_ASIDE, "answer": "It is closed on Sundays.", "supported": True,
                        "trace": [{"step": "search", "found": 8}]})  # fmt: skip
    assert "nearest" not in widget.status.text()
    assert "Not shown" not in widget.details.text()


def test_an_answer_shown_in_part_says_what_was_set_aside_in_details(qtbot):
    widget = AnswerWidget()
    qtbot.addWidget(widget)
    trimmed = {
        "step": "grounding",
        "shown": "part",
        "set_aside": "with 11 more than before.",
        "why": "what follows is not supported: no passage it could cite holds 11",
    }
    shown = "Public Works will have 121 positions."
    trace = [{"step": "search", "found": 8}, trimmed]
    widget.show_answer({**SET_ASIDE, "answer": shown, "supported": True, "trace": trace})
    assert widget.body.text() == "Public Works will have 121 positions."
    assert "nearest" not in widget.status.text()
    details = widget.details.text()
    assert "Set aside" in details and "with 11 more than before." in details
    assert details.count("with 11 more") == 1  # said in words once, not also as a raw step


def test_details_say_yes_or_no_for_what_a_step_did():
    from app.chat_panel import describe_trace

    step = {"step": "hop", "question": "What is the allowance in Milan?", "shown": True}
    details = describe_trace({**SET_ASIDE, "supported": True, "trace": [step]})
    assert "shown: yes" in details and "shown 1" not in details


def test_details_list_the_passages_read_by_number_and_page(qtbot):
    widget = AnswerWidget()
    qtbot.addWidget(widget)
    passages = [
        {"n": 1, "doc": 1861, "page": 4, "page_end": 4, "score": 0.032},
        {"n": 2, "doc": 7, "page": 7, "page_end": 8, "score": 0.03},
    ]
    answer = {"step": "answer", "passages": passages, "prompt_tokens": 589, "prefill_s": 1.06}
    widget.show_answer({**SET_ASIDE, "supported": True, "trace": [answer]})
    details = widget.details.text()
    assert "passages 1 (p. 4), 2 (pp. 7-8)" in details and "prompt tokens 589" in details
    assert "{" not in details and "1861" not in details  # no raw records, no internal ids
