"""Writes harbor-report.pdf, the sample document the window offers on first run.

Its text was written for Longread and is free to use (CC0). Run it again after editing the text:
    .venv/bin/python resources/sample/make_sample.py
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

TITLE = "Harbor Town Public Library: Annual Report 2023"

PAGES = [
    (
        "A letter from the director",
        [
            "2023 was the busiest year in the history of the Harbor Town Public Library. The "
            "library welcomed 184,200 visits, up from 151,900 in 2022, and lent 312,450 items.",
            "The reopening of the Eastside branch in May, after eleven months of renovation, "
            "explains much of the increase: the branch alone counted 41,300 visits in its first "
            "seven months.",
            "I thank our 96 volunteers, who gave 7,850 hours of their time, and the Friends of "
            "the Library, whose book sales raised $38,400 for the children's collection.",
            "Marta Oyelaran, Director",
        ],
    ),
    (
        "Visits and loans",
        [
            "Visits by branch in 2023:",
            "TABLE:Branch|Visits|Loans|Open hours a week",
            "TABLE:Main library|118,600|221,300|62",
            "TABLE:Eastside (from May)|41,300|58,900|48",
            "TABLE:Harborfront kiosk|24,300|32,250|40",
            "TABLE:Total|184,200|312,450|",
            "Loans of e-books and audiobooks grew by 27 percent and now make up one loan in five. "
            'The most borrowed book of the year was a local history, "Salt and Timber", lent 611 '
            "times.",
        ],
    ),
    (
        "Programs",
        [
            "The library ran 1,140 programs with 23,700 participants. Story time for children "
            "under five remained the most attended program, with 6,480 participants.",
            "The new Digital Help Desk, staffed on Tuesdays and Saturdays, answered 2,130 "
            "questions, most often about e-mail, online forms and phone settings.",
            "The summer reading challenge enrolled 1,512 children and teenagers; 64 percent of "
            "them finished it by reading at least ten books.",
        ],
    ),
    (
        "The Eastside renovation",
        [
            "The Eastside branch closed in June 2022 and reopened on 13 May 2023. The work "
            "replaced the roof, added a children's room and a quiet study room, and made the "
            "building fully accessible with a new entrance ramp and lift.",
            "The renovation cost $2.4 million, of which $1.6 million came from the town, "
            "$500,000 from a state grant and $300,000 from private donations. It finished "
            "three weeks late but $85,000 under budget.",
        ],
    ),
    (
        "Budget",
        [
            "Operating budget for 2023 (in US dollars):",
            "TABLE:Item|2023|2022",
            "TABLE:Staff|1,920,000|1,810,000",
            "TABLE:Books and media|410,000|395,000",
            "TABLE:E-books and databases|165,000|130,000",
            "TABLE:Buildings and utilities|288,000|251,000",
            "TABLE:Programs|74,000|61,000",
            "TABLE:Total|2,857,000|2,647,000",
            "The town provided 88 percent of the operating budget; fines, room rentals and "
            "the Friends of the Library provided the rest. Late fines on children's books were "
            "abolished in March.",
        ],
    ),
    (
        "Plans for 2024",
        [
            "In 2024 the library will extend the opening hours of the main library on Sundays, "
            "start a seed library at the Eastside branch and replace its 14-year-old catalog "
            "system. The board approved a budget of $2.98 million for 2024.",
            "The Harborfront kiosk will move into the renovated ferry terminal in the autumn, "
            "which should double its floor space.",
        ],
    ),
]


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-16)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 6, f"Annual Report 2023 - page {self.page_no()}", align="C")


def write(path: Path) -> None:
    pdf = _Report(format="A4")
    pdf.set_title(TITLE)
    pdf.set_author("Harbor Town Public Library")
    pdf.set_margins(22, 22, 22)
    for number, (heading, paragraphs) in enumerate(PAGES, start=1):
        pdf.add_page()
        if number == 1:
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(0, 9, TITLE)
            pdf.ln(4)
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 8, heading)
        pdf.ln(2)
        rows = []
        for text in paragraphs:
            if text.startswith("TABLE:"):
                rows.append(text[len("TABLE:") :].split("|"))
                continue
            if rows:
                _table(pdf, rows)
                rows = []
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, text)
            pdf.ln(3)
        if rows:
            _table(pdf, rows)
    pdf.output(str(path))


def _table(pdf: FPDF, rows: list[list[str]]) -> None:
    with pdf.table(text_align="LEFT", line_height=7) as table:
        for i, values in enumerate(rows):
            pdf.set_font("Helvetica", "B" if i == 0 else "", 10)
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(4)


if __name__ == "__main__":
    write(Path(__file__).with_name("harbor-report.pdf"))
