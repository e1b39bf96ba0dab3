"""Grounded or silent: an answer stands only when a source it can cite holds its numbers and
names; otherwise the user is told nothing was found, with the passages nearest the question."""

from __future__ import annotations

from core.modes.citations import Source
from core.modes.grounding import NOT_FOUND, KeyContent, abstains, check, ground, numbers, silent

VAULT = Source(
    1, "Archive handbook", 9, "9", "page", 4000,
    "Visitors sign the register at the desk. The access code for the archive vault is 7-4-1-9. "
    "The vault is closed on Sundays.",
)  # fmt: skip
LIBRARY = Source(
    2, "Annual report", 4, "4", "page", 900,
    "The Eastside renovation cost $2.4 million and added a children's room. Maria Chen, the "
    "director, opened it in May 2023.",
)  # fmt: skip
QUESTION = "What is the access code for the archive vault?"


def test_numbers_are_one_number_whatever_their_separators():
    assert numbers("7-4-1-9") == numbers("7419") == {"7419"}
    assert numbers("184,200 visits") == numbers("184200") == {"184200"}
    assert numbers("$2.4 million, 0.50 and 3.0") == {"2.4", "0.5", "3"}
    assert numbers("no numbers here") == set()


def test_key_content_leaves_out_what_the_question_said():
    key = KeyContent.of("Maria Chen opened the room in May 2023.", "What opened in 2023?")
    assert key.numbers == set() and key.names == {"chen"}  # "Maria" starts the sentence


def test_a_number_the_question_writes_in_words_is_the_questions_not_the_answers():
    # "10 weeks" for "after ten years" adds no number of its own: the ten is the question's.
    key = KeyContent.of("You earn 10 weeks of sabbatical.", "What after ten years of service?")
    assert key.numbers == set()
    source = Source(4, "Handbook", 7, "7", "page", 0, "After 10 years of service you get a gift.")
    asked = "How many weeks of sabbatical leave after ten years of service?"
    assert not ground("You earn 10 weeks of sabbatical leave.", [source], asked).supported


def test_the_right_code_is_supported_and_cited_on_its_page():
    checked = ground("The access code is 7-4-1-9.", [LIBRARY, VAULT], QUESTION)
    assert checked.supported
    [citation] = checked.citations
    assert (citation.doc_id, citation.page) == (1, 9)
    assert "7-4-1-9" in citation.quote


def test_an_invented_code_is_not_supported_and_says_what_is_missing():
    for invented in ("The access code is 1234567890.", "2022-01-01-0000.00", "It is 7419-2."):
        checked = ground(invented, [LIBRARY, VAULT], QUESTION)
        assert not checked.supported and checked.citations == [], invented
        assert checked.missing, invented


def test_a_name_the_documents_do_not_hold_is_not_supported():
    question = "Who opened the Eastside room?"
    assert ground("Maria Chen opened it.", [LIBRARY], question).supported
    checked = ground("It was opened by Robert Hale.", [LIBRARY], question)
    assert not checked.supported and "hale" in checked.missing


def test_a_citation_whose_page_lacks_the_number_is_not_kept():
    # The sentence shares words with the answer, but the amount is not on that page.
    checked = ground("The Eastside renovation cost $3.1 million.", [LIBRARY], "What did it cost?")
    assert not checked.supported


def test_an_answer_with_nothing_new_to_check_stands_with_the_closest_sentence():
    asked = "Is the vault closed on Sundays?"
    checked = ground("Yes, the vault is closed on Sundays.", [VAULT], asked)
    assert checked.supported and checked.citations[0].page == 9


def test_silence_says_not_found_offers_the_nearest_passages_and_keeps_the_draft():
    draft = "The access code is 1234567890."
    checked = ground(draft, [LIBRARY, VAULT], QUESTION)
    text, citations, step = silent(draft, checked, QUESTION, [LIBRARY, VAULT])
    assert text == NOT_FOUND
    assert citations and citations[0].page == 9  # where the vault's code is talked about
    assert step["shown"] is False and step["draft"] == draft
    assert "1234567890" in step["why"]


def test_a_model_that_says_it_does_not_know_is_an_abstention():
    for said in ("NOT FOUND", "The document does not mention it.", "I don't know.", "", "None."):
        assert abstains(said), said
    for said in ("The code is 7-4-1-9.", "None of the rooms were closed.", "Unknown Pleasures"):
        assert not abstains(said), said


MANUAL = Source(
    3, "bc manual", 1, "1", "block", 0,
    "1 Introduction\nbc is a language for arbitrary precision numbers.\n"
    "The default value of scale is 0. The maximum output base is currently set at 999.",
)  # fmt: skip


def test_a_bare_number_must_stand_in_a_sentence_about_what_was_asked():
    asked = "How much does a commercial licence for bc cost?"
    # "1" is on the page (a section number), but in no sentence about licences or bc.
    assert not ground("The answer is 1.", [MANUAL], asked).supported
    checked = ground("The default value is 0.", [MANUAL], "What is the default value of scale?")
    assert checked.supported and checked.citations[0].quote == "The default value of scale is 0."
    checked = ground("999", [MANUAL], "What is the maximum output base?")
    assert checked.supported and "999" in checked.citations[0].quote


def test_a_number_the_document_writes_in_words_supports_the_digits():
    chronicle = Source(
        4, "Chronicle", 5, "5", "chapter", 0,
        "A fire started on Tanner's Row. Forty houses were destroyed and two hundred and "
        "twelve people made homeless.",
    )  # fmt: skip
    asked = "How many houses did the fire on Tanner's Row destroy?"
    checked = ground("It destroyed 40 houses.", [chronicle], asked)
    assert checked.supported and checked.citations[0].quote.startswith("Forty houses")
    assert not ground("It destroyed 14 houses.", [chronicle], asked).supported
    assert ground("212 people.", [chronicle], "How many people were made homeless?").supported


def test_a_table_row_with_decimals_is_one_sentence():
    table = Source(
        5, "Manual", 4, "4", "page", 0,
        "Model | AT-6 | AT-9 | AT-12\nRefrigerant R32 charge (kg) | 1.10 | 1.40 | 1.85\n",
    )  # fmt: skip
    asked = "What is the R32 refrigerant charge of the AT-12 model, in kg?"
    checked = ground("The charge is 1.85 kg.", [table], asked)
    assert checked.supported
    assert checked.citations[0].quote == "Refrigerant R32 charge (kg) | 1.10 | 1.40 | 1.85"


def test_overlapping_passages_offer_the_same_nearest_sentence_once():
    text = "The vault is closed on Sundays. Keys are kept at the desk."
    first = Source(1, "Handbook", 9, "9", "page", 100, text)
    overlapping = Source(1, "Handbook", 9, "9", "page", 100, text[:31])  # the next passage
    _text, citations, _step = silent(
        "It is 1234.", ground("It is 1234.", [first], QUESTION), QUESTION, [first, overlapping]
    )
    assert len(citations) == 1 and citations[0].quote == "The vault is closed on Sundays."


BUDGET = Source(
    5, "Budget", 6, "6", "page", 0,
    "Staffing by department.\nPublic Works | 118 | 121\nParks | 40 | 41\n"
    "The Harbour Master retires on 31 March 2024.",
)  # fmt: skip


def test_a_supported_beginning_is_shown_and_an_unsupported_rest_set_aside():
    asked = "How many FTE positions will Public Works have?"
    draft = "Public Works will have 121 positions, with 11 more than last year."
    checked = check(draft, [BUDGET], asked, cancelled=False)
    assert checked.supported and checked.shown == "Public Works will have 121 positions."
    assert checked.set_aside == "with 11 more than last year." and "11" in checked.why
    assert checked.citations[0].quote == "Public Works | 118 | 121"


def test_a_beginning_that_does_not_say_what_was_asked_is_not_shown():
    # True of the Harbour Master, but not about his salary: nothing is shown.
    asked = "What annual salary does the Harbour Master receive?"
    draft = "The Harbour Master retires on 31 March 2024, with a salary of €80,000."
    assert not check(draft, [BUDGET], asked, cancelled=False).supported
    # A bare number says nothing of what it counts.
    assert not check("121. It rose by 11.", [BUDGET], "How many in Public Works?",
                     cancelled=False).supported  # fmt: skip


def test_an_answer_to_how_many_that_gives_no_number_is_no_answer():
    source = Source(6, "Handbook", 1, "1", "page", 0, "Brightwell has offices in Antwerp, Belgium.")
    asked = "How many employees work at the Gothenburg office?"
    checked = ground("Brightwell offices and employees in Antwerp, Belgium.", [source], asked)
    assert not checked.supported and "no number" in checked.why
    said = Source(6, "H", 1, "1", "page", 0, "Forty employees work at the Gothenburg office.")
    assert ground("Forty.", [said], asked).supported  # a number in words is a number


def test_the_questions_own_words_given_back_are_no_answer_to_what_it_asks():
    manual = Source(7, "Manual", 3, "3", "page", 0, "The AT-12 heat pump weighs 104 kg.")
    asked = "What is the list price of the AT-12?"
    checked = ground("It is the list price of the AT-12.", [manual], asked)
    assert not checked.supported and "repeats the question" in checked.why
    # A yes or no, or a choice the question lists, may well use only the question's words.
    assert ground("Yes, the AT-12 is.", [manual], "Is the AT-12 a heat pump?").supported
    listed = "Which is a heat pump, the AT-12 or the boiler?"
    assert ground("The AT-12.", [manual], listed).supported


def test_a_quote_that_a_line_break_cut_is_widened_to_the_whole_sentence():
    from core.modes.citations import Source

    page = (
        "The Eastside renovation\n"
        "The branch reopened on 13 May 2023. The work replaced\n"
        "the roof and added a children's room.\n"
        "The renovation cost $2.4 million, of which $1.6 million came from the town, $500,000\n"
        "from a state grant and $300,000 from private donations. It finished early.\n"
        "Item 2022 2023\n"
        "Books 120 130\n"
    )
    source = Source(1, "Report", 4, "4", "page", 100, page)
    line = page.index("The renovation cost")
    cited = source.cite(line, page.index("\n", line))
    assert cited.quote.endswith("from private donations.")
    assert cited.start == 100 + line and page[cited.start - 100 : cited.end - 100] == cited.quote
    # a sentence cut at its start is widened back to where it starts, not past the heading
    middle = page.index("the roof")
    assert source.cite(middle, page.index("\n", middle)).quote.startswith("The work replaced")
    # table rows are lines of their own
    row = page.index("Books")
    assert source.cite(row, page.index("\n", row)).quote == "Books 120 130"
