"""Table cells named by their row, column and caption, so a small model asked "What is the R32
charge of the AT-12?" is handed "Refrigerant R32 charge (kg), AT-12: 1.85" instead of a row of
four numbers."""

from __future__ import annotations

from core.modes import tables

MARKDOWN = """Hotels are booked up to the cap for the city.

**Hotel caps and daily allowances**

| City | Hotel cap per night | Daily allowance |
|---|---|---|
| Hamburg | €165 | €50 |
| London | €220 | €60 |
| New York | €280 | €75 |
"""

# Word and EPUB tables as the readers write them: one row a line, sometimes blank lines between.
EPUB = """Population at each census

Census year | Population

1801 | 1,240

1901 | 6,215

1971 | 10,110
"""

ALIGNED = """Captain Doyle presented the port statistics for May 2023:

Port statistics, May 2023

Measure                Count
---------------------  -----
Cargo vessel arrivals     52
Fish landed (tonnes)     380
Cruise ship calls          4
"""

ALIGNED_JULY = ALIGNED.replace("May", "July").replace("52", "61").replace(" 4\n", " 9\n")

# A PDF table: columns separated by single spaces, names of several words.
PDF = """Table 1. Revenues by source ($ thousands)
Source FY2023 actual FY2024 adopted FY2025 adopted
Property tax 38,912 40,150 41,870
Sales tax 17,604 18,200 18,945
Utility users tax 6,215 6,340 6,480
Salaries make up 61 percent of the General Fund.
"""


def test_a_markdown_table_becomes_cells_named_by_row_column_and_caption():
    found = tables.cells(MARKDOWN)
    london = tables.Cell("Hotel caps and daily allowances", "London", "Hotel cap per night", "€220")
    assert london in found
    assert len(found) == 6  # 3 rows x 2 value columns; the header and the rule are not cells


def test_rows_with_blank_lines_between_them_are_one_table():
    found = tables.cells(EPUB)
    assert [(c.row, c.column, c.value) for c in found] == [
        ("1801", "Population", "1,240"),
        ("1901", "Population", "6,215"),
        ("1971", "Population", "10,110"),
    ]
    assert {c.caption for c in found} == {"Population at each census"}


def test_columns_aligned_with_spaces_under_a_rule():
    found = tables.cells(ALIGNED)
    assert tables.Cell("Port statistics, May 2023", "Cruise ship calls", "Count", "4") in found
    assert len(found) == 3


def test_a_pdf_table_splits_its_header_into_as_many_names_as_values():
    found = tables.cells(PDF)
    sales = [c for c in found if c.row == "Sales tax"]
    assert [(c.column, c.value) for c in sales] == [
        ("FY2023 actual", "17,604"),
        ("FY2024 adopted", "18,200"),
        ("FY2025 adopted", "18,945"),
    ]
    assert not [c for c in found if "percent" in c.row]  # the prose after the table


def test_prose_with_a_number_at_the_end_of_lines_is_not_a_table():
    prose = "The library opened in 1911\nand was rebuilt in 1962\nas the town grew."
    assert tables.cells(prose) == []


def test_the_cell_the_question_names_comes_first():
    question = "How much sales tax revenue does the FY2025 adopted budget expect?"
    [best, *_] = tables.lookup(question, [MARKDOWN, PDF])
    assert (best.row, best.column, best.value) == ("Sales tax", "FY2025 adopted", "18,945")

    [best, *_] = tables.lookup("What is the hotel cap per night in London?", [MARKDOWN])
    assert best.value == "€220"


def test_the_caption_tells_tables_with_the_same_rows_apart():
    question = "How many cruise ship calls did the port record in July 2023?"
    [best, *_] = tables.lookup(question, [ALIGNED, ALIGNED_JULY])
    assert (best.caption, best.value) == ("Port statistics, July 2023", "9")
    # "May" is a stop word in prose, but a month here.
    question = "How many cargo vessels arrived in May 2023?"
    [best, *_] = tables.lookup(question.replace("cargo vessels arrived", "cargo vessel arrivals"),
                               [ALIGNED_JULY, ALIGNED])  # fmt: skip
    assert (best.caption, best.value) == ("Port statistics, May 2023", "52")


def test_the_prompt_lines_say_each_value_with_its_names_or_nothing():
    said = tables.said("What was the population at the 1901 census?", [EPUB])
    assert said.startswith("Values from the tables that match the question:\n")
    assert "- 1901, Population: 6,215 (Population at each census)" in said
    assert said.endswith("\n\n")
    assert tables.said("Who wrote the history?", [EPUB]) == ""


def test_in_a_large_selection_only_the_found_documents_tables_are_read():
    # A library of thousands of pages: reading every page's tables took ~3 s a question. Past
    # rag.TABLE_PAGES pages, the tables come from the documents the passages were found in.
    from types import SimpleNamespace

    from core.documents.models import Document, make_pages
    from core.modes import Request, rag

    def document(doc_id: int, pages: int, text: str) -> Document:
        return Document(
            f"/d{doc_id}.md",
            f"D{doc_id}",
            f"{doc_id:064d}",
            "md",
            "page",
            make_pages([text] * pages),
            id=doc_id,
        )

    found = [SimpleNamespace(doc_id=2, text="a passage")]
    small = [document(1, 3, MARKDOWN), document(2, 3, EPUB)]
    _pages, texts = rag._all_pages(Request("q", small, None), found)
    assert MARKDOWN in texts and EPUB in texts  # a small selection: every document's tables

    size = rag.TABLE_PAGES // 2 + 1
    large = [document(1, size, MARKDOWN), document(2, size, EPUB)]
    pages, texts = rag._all_pages(Request("q", large, None), found)
    assert MARKDOWN not in texts and EPUB in texts and len(pages) == len(texts) == size
