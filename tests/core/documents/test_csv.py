"""Tables: rows as text, each page carrying the column names so a row can be read on its own."""

from __future__ import annotations

import re

from tests.core.documents.checks import assert_well_formed, page_with

HEADER = ["invoice_number", "customer_city", "amount_due"]


def rows(count: int) -> list[list[str]]:
    return [[f"INV-{n:05d}", f"Town{n}", f"{n * 3}.50"] for n in range(1, count + 1)]


def test_a_small_table_keeps_its_column_names_and_values(parse, make_csv):
    doc = parse(make_csv(HEADER, rows(3), name="invoices.csv"))
    assert_well_formed(doc)
    assert doc.format == "csv"
    assert doc.page_unit == "rows"
    for name in HEADER:
        assert name in doc.text
    for value in ("INV-00001", "Town2", "9.50"):
        assert value in doc.text
    assert doc.title == "invoices"


def test_every_page_of_a_long_table_names_the_columns(parse, make_csv):
    doc = parse(make_csv(HEADER, rows(2000)))
    assert_well_formed(doc)
    assert len(doc.pages) > 1
    for page in doc.pages:
        missing = [name for name in HEADER if name not in page.text]
        assert not missing, f"page {page.number} lacks the column names {missing}"


def test_a_value_from_the_middle_is_on_a_page_with_its_column_name(parse, make_csv):
    doc = parse(make_csv(HEADER, rows(2000)))
    page = page_with(doc, "INV-01234")
    assert 1 < page.number < len(doc.pages)
    assert "customer_city" in page.text
    assert "Town1234" in page.text
    # The row's values stay together, with no other row in between.
    start = page.text.find("INV-01234")
    end = page.text.find("3702.50")
    assert start < page.text.find("Town1234") < end, page.text
    assert "INV-" not in page.text[start + 1 : end]


def test_rows_stay_in_file_order(parse, make_csv):
    doc = parse(make_csv(HEADER, rows(2000)))
    positions = [doc.text.find(f"INV-{n:05d}") for n in (1, 500, 1000, 1500, 2000)]
    assert -1 not in positions
    assert positions == sorted(positions)


def test_a_table_saved_by_excel_in_windows_1252_reads_correctly(parse, make_csv):
    path = make_csv(
        ["name", "city"],
        [["José", "Málaga"], ["François", "Besançon"]],
        name="clients.csv",
        encoding="cp1252",
    )
    doc = parse(path)
    assert "Málaga" in doc.text and "Besançon" in doc.text and "José" in doc.text


def test_quoted_fields_with_commas_and_newlines_stay_in_their_row(parse, make_csv):
    path = make_csv(["id", "comment"], [["7", "late, but complete"], ["8", "two\nlines"]])
    doc = parse(path)
    # Each field on its own row's line, with its column name: a comma or a line break inside
    # quotes does not start another cell or another row.
    assert "Row 2: id: 7; comment: late, but complete\n" in doc.text, doc.text
    assert re.search(r"Row 3: id: 8; comment: two\slines", doc.text), doc.text
    assert doc.text.count("Row ") == 2, doc.text
    assert '"late' not in doc.text  # the CSV quoting is not shown to the reader
