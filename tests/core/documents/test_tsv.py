"""Tab-separated tables (.tsv), offered by "Add files…", are read like CSV with tabs."""

from __future__ import annotations

from core.documents import load, read


def test_a_tsv_file_is_read_with_its_column_names(tmp_path):
    path = tmp_path / "harbour berths.tsv"
    path.write_text(
        "berth\tvessel\tnote\n"
        "B4\tMarta Lind\tarrived late, unloaded salt\n"
        "B7\tNorthwind\trefuelled, left at dawn\n",
        encoding="utf-8",
    )
    doc = read(path)
    assert doc.title == "harbour berths"
    text = doc.text
    # Commas inside a cell stay in the cell: the columns come from the tabs.
    assert "Row 2: berth: B4; vessel: Marta Lind; note: arrived late, unloaded salt" in text
    assert "Row 3: berth: B7; vessel: Northwind; note: refuelled, left at dawn" in text
    assert doc.pages[0].label == "rows 2–3"
    assert load(path).text == text  # the same through the parser process
