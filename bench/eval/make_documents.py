"""Write the dev set's documents into bench/eval/documents/.

    .venv/bin/python bench/eval/make_documents.py            # write them all
    .venv/bin/python bench/eval/make_documents.py --check    # only compare with what is there

Five documents are made up here, so no copyright stands in the way of shipping them and every
fact a question asks about is planted on purpose (see SOURCES.md):

    harlow-bay-budget-fy2025.pdf      a city budget: tables of revenues, departments, projects, debt
    nordvik-aquatherm-manual.docx     a heat-pump manual: specification, error-code and other tables
    brightwell-handbook.md            a company's employee handbook
    saltmere-harbour-minutes-2023.txt twelve monthly meetings, one per page (form feeds)
    ashcombe-chronicle.epub           a river town's history in chapters

Three are copied verbatim from files Debian installs (licences in SOURCES.md):

    gpl-3.0.txt          /usr/share/common-licenses/GPL-3
    ninja-manual.html    /usr/share/doc/ninja-build/manual.html
    bzip2-manual.html    /usr/share/doc/bzip2/manual.html

The output is deterministic: the same bytes on every run (fixed dates in every file's metadata),
except the PDF, whose bytes fpdf2 may change between its versions while its text stays the same.
Needs fpdf2 and python-docx (both in the project's venv).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import shutil
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "documents"
FIXED_DATE = dt.datetime(2024, 5, 1, 12, 0, 0)

COPIED = {
    "gpl-3.0.txt": "/usr/share/common-licenses/GPL-3",
    "ninja-manual.html": "/usr/share/doc/ninja-build/manual.html",
    "bzip2-manual.html": "/usr/share/doc/bzip2/manual.html",
}


# ---------------------------------------------------------------------------------------------
# The documents are lists of blocks, rendered into each format below:
#   ("h1", text)  a chapter heading        ("h2", text)  a section heading
#   ("p", text)   a paragraph              ("ul", [items])  a bulleted list
#   ("table", caption, header, rows)       ("break",)  a new page (PDF, DOCX, TXT), chapter (EPUB)
# ---------------------------------------------------------------------------------------------


def money(n: float) -> str:
    """Thousands with commas: 41870 -> '41,870'."""
    return f"{n:,.0f}"


def _latin1(text: str) -> str:
    """The PDF uses the core Helvetica font, which holds Latin-1 only."""
    table = {
        "\u2013": "-",
        "\u2014": " - ",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00a0": " ",
    }
    for a, b in table.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(blocks, path: Path, title: str, author: str) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)

    def footer():
        pdf.set_y(-14)
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(0, 6, _latin1(f"{title} - page {pdf.page_no()}"), align="C")

    pdf.footer = footer  # type: ignore[method-assign]
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for block in blocks:
        kind = block[0]
        if kind == "break":
            pdf.add_page()
        elif kind == "title":
            pdf.set_font("Helvetica", "B", 20)
            pdf.multi_cell(width, 10, _latin1(block[1]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif kind == "h1":
            pdf.set_font("Helvetica", "B", 15)
            pdf.multi_cell(width, 8, _latin1(block[1]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "h2":
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(width, 7, _latin1(block[1]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "p":
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(width, 5, _latin1(block[1]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        elif kind == "ul":
            pdf.set_font("Helvetica", "", 10)
            for item in block[1]:
                pdf.multi_cell(width, 5, _latin1("- " + item), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
        elif kind == "table":
            _, caption, header, rows = block
            pdf.set_font("Helvetica", "B", 10)
            pdf.multi_cell(width, 6, _latin1(caption), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 8.5)
            first = 0.34 if len(header) > 4 else 0.4
            rest = (1 - first) / (len(header) - 1)
            widths = tuple([first] + [rest] * (len(header) - 1))
            with pdf.table(
                col_widths=widths,
                text_align=["LEFT"] + ["RIGHT"] * (len(header) - 1),
                headings_style=FontFace(emphasis="BOLD"),
                line_height=4.6,
                padding=1,
            ) as table:
                for row in [header, *rows]:
                    r = table.row()
                    for cell in row:
                        r.cell(_latin1(str(cell)))
            pdf.ln(4)
        else:
            raise ValueError(kind)
    pdf.output(str(path))


def render_docx(blocks, path: Path, title: str, author: str) -> None:
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    props = d.core_properties
    props.title = title
    props.author = author
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_modified_by = author
    props.revision = 1
    for block in blocks:
        kind = block[0]
        if kind == "break":
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif kind == "title":
            d.add_heading(block[1], level=0)
        elif kind == "h1":
            d.add_heading(block[1], level=1)
        elif kind == "h2":
            d.add_heading(block[1], level=2)
        elif kind == "p":
            d.add_paragraph(block[1])
        elif kind == "ul":
            for item in block[1]:
                d.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            _, caption, header, rows = block
            d.add_paragraph(caption).runs[0].bold = True
            t = d.add_table(rows=1 + len(rows), cols=len(header))
            t.style = "Table Grid"
            for i, row in enumerate([header, *rows]):
                for j, cell in enumerate(row):
                    t.cell(i, j).text = str(cell)
        else:
            raise ValueError(kind)
    buffer = io.BytesIO()
    d.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every member's timestamp fixed, so the bytes do not change."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _md_table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_md(blocks, path: Path, title: str, author: str) -> None:
    parts = [f"---\ntitle: {title}\nauthor: {author}\n---"]
    for block in blocks:
        kind = block[0]
        if kind == "break":
            continue
        if kind == "title":
            parts.append(f"# {block[1]}")
        elif kind == "h1":
            parts.append(f"## {block[1]}")
        elif kind == "h2":
            parts.append(f"### {block[1]}")
        elif kind == "p":
            parts.append(block[1])
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in block[1]))
        elif kind == "table":
            _, caption, header, rows = block
            parts.append(f"**{caption}**\n\n" + _md_table(header, rows))
        else:
            raise ValueError(kind)
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def _wrap(text: str, width: int = 92) -> str:
    import textwrap

    return textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)


def _text_table(header, rows) -> str:
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def render_txt(blocks, path: Path, title: str, author: str) -> None:
    pages: list[list[str]] = [[]]
    for block in blocks:
        kind = block[0]
        if kind == "break":
            pages.append([])
        elif kind == "title":
            pages[-1].append(block[1].upper() + "\n" + "=" * len(block[1]))
        elif kind == "h1":
            pages[-1].append(block[1] + "\n" + "=" * len(block[1]))
        elif kind == "h2":
            pages[-1].append(block[1] + "\n" + "-" * len(block[1]))
        elif kind == "p":
            pages[-1].append(_wrap(block[1]))
        elif kind == "ul":
            pages[-1].append("\n".join(_wrap("  * " + i).replace("\n", "\n    ") for i in block[1]))
        elif kind == "table":
            _, caption, header, rows = block
            pages[-1].append(caption + "\n\n" + _text_table(header, rows))
        else:
            raise ValueError(kind)
    text = "\n\f\n".join("\n\n".join(page) + "\n" for page in pages if page)
    path.write_text(text, encoding="utf-8")


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_epub(blocks, path: Path, title: str, author: str) -> None:
    """One XHTML file per chapter (a chapter starts at each h1), written by hand so that the
    archive is the same on every run."""
    chapters: list[tuple[str, list[str]]] = []
    for block in blocks:
        kind = block[0]
        if kind == "h1":
            chapters.append((block[1], [f"<h1>{_html_escape(block[1])}</h1>"]))
            continue
        if kind in ("break", "title"):
            continue
        if not chapters:
            raise ValueError("an EPUB's text must start with a chapter heading")
        body = chapters[-1][1]
        if kind == "h2":
            body.append(f"<h2>{_html_escape(block[1])}</h2>")
        elif kind == "p":
            body.append(f"<p>{_html_escape(block[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_html_escape(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            _, caption, header, rows = block
            html = [f"<table><caption>{_html_escape(caption)}</caption>"]
            html.append("<tr>" + "".join(f"<th>{_html_escape(h)}</th>" for h in header) + "</tr>")
            for row in rows:
                html.append(
                    "<tr>" + "".join(f"<td>{_html_escape(str(c))}</td>" for c in row) + "</tr>"
                )
            html.append("</table>")
            body.append("".join(html))
        else:
            raise ValueError(kind)

    uid = "urn:uuid:" + hashlib.sha256(title.encode()).hexdigest()[:32]
    files: dict[str, str] = {}
    for i, (name, body) in enumerate(chapters, 1):
        files[f"OEBPS/chapter{i:02d}.xhtml"] = (
            '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
            f' lang="en"><head><title>{_html_escape(name)}</title></head>\n<body>\n'
            + "\n".join(body)
            + "\n</body></html>\n"
        )
    nav_items = "".join(
        f'<li><a href="chapter{i:02d}.xhtml">{_html_escape(name)}</a></li>'
        for i, (name, _) in enumerate(chapters, 1)
    )
    files["OEBPS/nav.xhtml"] = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        ' lang="en"><head><title>Contents</title></head><body>'
        f'<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>{nav_items}</ol></nav>'
        "</body></html>\n"
    )
    manifest = (
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
    )
    manifest += "".join(
        f'<item id="c{i:02d}" href="chapter{i:02d}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(1, len(chapters) + 1)
    )
    spine = "".join(f'<itemref idref="c{i:02d}"/>' for i in range(1, len(chapters) + 1))
    files["OEBPS/content.opf"] = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">{uid}</dc:identifier>'
        f"<dc:title>{_html_escape(title)}</dc:title>"
        f"<dc:creator>{_html_escape(author)}</dc:creator>"
        "<dc:language>en</dc:language>"
        '<meta property="dcterms:modified">2024-05-01T12:00:00Z</meta>'
        f"</metadata><manifest>{manifest}</manifest><spine>{spine}</spine></package>\n"
    )
    container = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        '<rootfiles><rootfile full-path="OEBPS/content.opf" '
        'media-type="application/oebps-package+xml"/></rootfiles></container>\n'
    )
    stamp = FIXED_DATE.timetuple()[:6]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype", stamp),
            "application/epub+zip",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr(
            zipfile.ZipInfo("META-INF/container.xml", stamp),
            container,
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for name, text in files.items():
            z.writestr(zipfile.ZipInfo(name, stamp), text, compress_type=zipfile.ZIP_DEFLATED)


# ---------------------------------------------------------------------------------------------
# 1. City of Harlow Bay, adopted budget FY 2025 (PDF)
# ---------------------------------------------------------------------------------------------

BUDGET_REVENUES = [  # $ thousands: FY2023 actual, FY2024 adopted, FY2025 adopted
    ("Property tax", 38912, 40150, 41870),
    ("Sales tax", 17604, 18200, 18945),
    ("Utility users tax", 6215, 6340, 6480),
    ("Franchise fees", 3120, 3180, 3260),
    ("Permits and licences", 2846, 2900, 3115),
    ("Charges for services", 7433, 7610, 7985),
    ("Fines and forfeitures", 1288, 1250, 1190),
    ("State and federal aid", 9870, 10420, 10760),
    ("Investment income", 612, 850, 1340),
    ("Water and sewer charges", 29450, 30880, 32940),
    ("Transit fares and grants", 6120, 6480, 6905),
    ("Other revenue", 704, 720, 735),
]
# What the revenues above leave to be covered in each year: bond proceeds spent on projects and
# money drawn from reserves (computed, so that Table 1 and Table 2 balance).
BUDGET_OTHER_SOURCES = "Bond proceeds and use of reserves"

BUDGET_DEPARTMENTS = [  # $ thousands FY2023, FY2024, FY2025; FTE FY2024, FY2025
    ("City Council and City Manager", 2140, 2210, 2285, 11, 11),
    ("City Clerk", 890, 925, 948, 7, 7),
    ("Finance", 3410, 3560, 3690, 26, 27),
    ("Human Resources", 1720, 1805, 1870, 13, 13),
    ("Information Technology", 4260, 4490, 4735, 24, 26),
    ("Police", 29870, 31240, 32615, 212, 218),
    ("Fire and Rescue", 22530, 23380, 24910, 156, 164),
    ("Public Works", 14905, 15460, 16120, 118, 121),
    ("Parks and Recreation", 8340, 8720, 8655, 64, 63),
    ("Library", 4115, 4290, 4980, 38, 47),
    ("Planning and Development", 3985, 4120, 4050, 31, 30),
    ("Water and Sewer Utility", 27610, 29150, 31020, 97, 99),
    ("Transit", 6480, 6860, 7210, 58, 60),
    ("Debt service", 8120, 8390, 9565, 0, 0),
    ("Non-departmental", 1950, 2050, 2105, 0, 0),
]

# name, department, total cost, FY2025 appropriation ($ thousands), funding, completion
BUDGET_PROJECTS = [
    ("Eastgate Branch Library", "Library", 12400, 5200, "2021 GO Bonds", 2025),
    ("Fire Station 4 replacement", "Fire and Rescue", 9850, 6300, "2024 GO Bonds", 2026),
    ("Harbor Road resurfacing, phase 2", "Public Works", 4760, 4760, "State gas tax", 2025),
    (
        "Treatment plant aeration upgrade",
        "Water and Sewer",
        18300,
        7450,
        "2022 Utility Revenue Bonds",
        2027,
    ),
    ("Kessler Street water main", "Water and Sewer", 3940, 2100, "Water rates", 2025),
    ("Millpond Park playground", "Parks and Recreation", 1180, 1180, "Park impact fees", 2025),
    ("Electric buses, phase 1", "Transit", 7200, 3600, "Federal grant, Transit fund", 2026),
    ("Police radio system", "Police", 2950, 1475, "Capital reserve", 2026),
    ("City Hall roof and HVAC", "Public Works", 2310, 2310, "Capital reserve", 2025),
    ("Lantern Point seawall repair", "Public Works", 6480, 1900, "State coastal grant", 2027),
    ("Financial (ERP) software", "Information Technology", 3100, 1250, "Capital reserve", 2026),
    ("Sidewalk accessibility program", "Public Works", 1600, 400, "CDBG", 2028),
]

BUDGET_DEBT = [  # issue, issued, original, outstanding 30 June 2024 ($ thousands), maturity, rate
    ("2014 GO Refunding Bonds", 2014, 22000, 6850, 2029, "3.10%"),
    ("2016 Water Revenue Bonds", 2016, 30500, 19740, 2041, "3.45%"),
    ("2021 GO Bonds (Library and Streets)", 2021, 18000, 16200, 2046, "2.35%"),
    ("2022 Utility Revenue Bonds", 2022, 24000, 23100, 2052, "3.65%"),
    ("2024 GO Bonds (Public Safety)", 2024, 15000, 15000, 2049, "4.05%"),
]


def budget_document():
    rev_rows = [(n, money(a), money(b), money(c)) for n, a, b, c in BUDGET_REVENUES]
    dep_rows = [(n, money(a), money(b), money(c)) for n, a, b, c, _, _ in BUDGET_DEPARTMENTS]
    dtotals = [sum(r[i] for r in BUDGET_DEPARTMENTS) for i in (1, 2, 3)]
    totals = [sum(r[i] for r in BUDGET_REVENUES) for i in (1, 2, 3)]
    rev_rows.append(
        (BUDGET_OTHER_SOURCES, *(money(d - t) for d, t in zip(dtotals, totals, strict=True)))
    )
    rev_rows.append(("Total, all funds", *map(money, dtotals)))
    dep_rows.append(("Total, all funds", *map(money, dtotals)))
    fte = [
        (n, f4, f5, f"{f5 - f4:+d}" if f5 != f4 else "0")
        for n, _, _, _, f4, f5 in BUDGET_DEPARTMENTS
        if f4
    ]
    f4t = sum(r[4] for r in BUDGET_DEPARTMENTS)
    f5t = sum(r[5] for r in BUDGET_DEPARTMENTS)
    fte.append(("Total", f4t, f5t, f"{f5t - f4t:+d}"))
    added = sum(r[5] - r[4] for r in BUDGET_DEPARTMENTS if r[5] > r[4])
    removed = sum(r[4] - r[5] for r in BUDGET_DEPARTMENTS if r[5] < r[4])
    total25 = dtotals[2]
    growth = (dtotals[2] - dtotals[1]) / dtotals[1] * 100
    proj_rows = [(n, d, money(c), money(a), f, y) for n, d, c, a, f, y in BUDGET_PROJECTS]
    proj_total = sum(p[3] for p in BUDGET_PROJECTS)
    proj_rows.append(
        ("Total", "", money(sum(p[2] for p in BUDGET_PROJECTS)), money(proj_total), "", "")
    )
    debt_rows = [(n, y, money(o), money(s), m, r) for n, y, o, s, m, r in BUDGET_DEBT]

    return [
        ("title", "City of Harlow Bay - Adopted Operating and Capital Budget, Fiscal Year 2025"),
        (
            "p",
            "Fiscal year 2025 runs from July 1, 2024 to June 30, 2025. This budget was adopted "
            "by the Harlow Bay City Council by Resolution 2024-37 on June 11, 2024, by a vote "
            "of six to one.",
        ),
        (
            "ul",
            [
                "Mayor: Celia Drummond",
                "Mayor Pro Tem: Walter Imbrie",
                "Council Members: Nadia Petrakis, Gus Oyelowo, Beatrix Hammond, Samuel Tran, "
                "Florence Achebe-Wilde",
                "City Manager: Anton Vasquez-Lee",
                "Finance Director: Marguerite Oyelaran",
            ],
        ),
        (
            "p",
            "Prepared by the Finance Department, Budget and Research Division, 410 Quay Street, "
            "Harlow Bay. Copies of this document are available at City Hall, at every branch "
            "of the Harlow Bay Public Library and on the City's website. Figures in the tables "
            "are in thousands of dollars unless a table says otherwise.",
        ),
        ("h1", "Contents"),
        (
            "ul",
            [
                "Letter of transmittal from the City Manager",
                "Budget at a glance: revenues, expenditures and staffing",
                "Department summaries",
                "Capital Improvement Program",
                "Debt, reserves and financial policies",
                "Changes to fees and charges",
                "Budget calendar and glossary",
            ],
        ),
        ("break",),
        ("h1", "Letter of transmittal"),
        (
            "p",
            "Honorable Mayor Drummond and Members of the City Council: I am pleased to present "
            f"the adopted budget for fiscal year 2025. Across all funds the budget totals "
            f"${total25 / 1000:.1f} million, an increase of {growth:.1f} percent over the "
            "budget adopted a year ago. The General Fund, which pays for police, fire, parks, "
            "the library and the City's administration, remains balanced without the use of "
            "one-time money for ongoing costs, a practice the Council asked us to end three "
            "years ago and which this budget finally completes.",
        ),
        (
            "p",
            "The property tax rate stays at 7.85 mills for the fourth year in a row. Growth in "
            "property tax revenue comes from new construction, chiefly the Brickworks housing "
            "development on the former Castell tile factory site, and from reassessments. "
            "Sales tax receipts have grown more slowly than we forecast last spring; we have "
            "therefore budgeted a modest increase and will report to the Council at mid-year "
            "if receipts fall short. Investment income has risen sharply with higher interest "
            "rates, but we treat most of that gain as temporary and have placed it in the "
            "capital reserve rather than in the operating budget.",
        ),
        (
            "p",
            "Four priorities shaped this budget. First, public safety: the budget adds eight "
            "firefighter positions so that the new Fire Station 4 can be staffed around the "
            "clock when it opens, and six police positions, four of them for the community "
            "response unit that pairs officers with mental health clinicians. Second, streets "
            "and water: the second phase of the Harbor Road resurfacing and the Kessler Street "
            "water main replacement are fully funded. Third, the Eastgate Branch Library, the "
            "City's first new library building since 1974, opens in the spring of 2025 and "
            "needs nine new positions. Fourth, the City's long-delayed replacement of its "
            "financial software, whose vendor will stop supporting the current system at the "
            "end of 2026.",
        ),
        (
            "p",
            "Not every request could be funded. Departments asked for 48 new positions; this "
            f"budget adds {added} positions and removes {removed}, one of them vacant for more "
            f"than a year, for a net increase of {added - removed}. "
            "Parks and Recreation and Planning and Development have slightly smaller budgets "
            "than last year, the first because the summer concert series will now be run by "
            "the Harlow Bay Arts Council with a City grant, the second because permit "
            "processing has moved to a self-service portal. The hiring freeze put in place in "
            "March 2023 was lifted on July 1, 2024.",
        ),
        (
            "p",
            "Water and sewer rates rise by 6.5 percent, the third of five annual increases "
            "approved in the 2022 utility rate study. The increases pay for the aeration "
            "upgrade at the Cove Street treatment plant, which the state's discharge permit "
            "requires by the end of 2027. A typical household using 5,000 gallons of water a "
            "month will pay about $4.90 more each month.",
        ),
        (
            "p",
            "I thank the department directors and the staff of the Budget and Research "
            "Division, and in particular Budget Manager Rosalind Tierney, who retires this "
            "summer after preparing her twenty-second and final Harlow Bay budget.",
        ),
        ("p", "Respectfully submitted, Anton Vasquez-Lee, City Manager"),
        ("break",),
        ("h1", "Community profile"),
        (
            "p",
            "Harlow Bay was incorporated as a city in 1887, when it was a fishing and "
            "shipbuilding town of about 2,000 people at the mouth of the Tamsin River. Its "
            "boatyards closed in the 1960s, and today the City's economy rests on the regional "
            "hospital, the state university's marine science campus, the port's container "
            "terminal, tourism and a growing number of small technology firms. The City "
            "covers 24.6 square miles, of which 3.1 square miles are water.",
        ),
        (
            "p",
            "The state demographer estimates the City's population on January 1, 2024 at "
            "68,420, up from 64,915 at the 2020 census. About a third of the growth came from "
            "the Brickworks development and the apartments built along the Tillman Avenue "
            "transit corridor. The median age is 38.2 years; 21 percent of residents are "
            "under 18. The median household income is $78,300, slightly above the state's. "
            "Unemployment averaged 3.9 percent in 2023, against 4.4 percent statewide.",
        ),
        (
            "p",
            "The City operates under the council-manager form of government. The Mayor and "
            "six Council Members are elected at large for four-year terms; the Council "
            "appoints the City Manager and the City Attorney. The City provides police, fire, "
            "ambulance, library, parks, transit, water and sewer services. Schools are run by "
            "the independent Harlow Bay Unified School District, and the county provides "
            "public health and social services.",
        ),
        (
            "table",
            "Largest employers in Harlow Bay, 2023",
            ["Employer", "Employees"],
            [
                ("Harlow Bay Regional Medical Center", "3,150"),
                ("Harlow Bay Unified School District", "1,420"),
                ("State University, Marine Science Campus", "1,180"),
                ("City of Harlow Bay", "870"),
                ("Tamsin Container Terminal", "640"),
                ("Corvid Analytics", "410"),
                ("Bayside Disposal", "230"),
            ],
        ),
        (
            "p",
            "Building activity remained strong in 2023: the City issued permits for 612 new "
            "homes, the most since 2006, and for 180,000 square feet of commercial space, "
            "including the Corvid Analytics headquarters on the former ferry terminal site. "
            "Assessed property values rose 4.6 percent. Tourism recovered fully: the City's "
            "hotels reported an average occupancy of 71 percent, and the transient occupancy "
            "tax, which is counted under other revenue, reached its highest level on record.",
        ),
        (
            "p",
            "Risks to the outlook include a slowdown in consumer spending, which would hit sales "
            "tax first; the state's plan to reduce the share of fuel tax passed on to cities; "
            "and the rising cost of insurance for coastal property, including the City's own "
            "buildings along the waterfront. The Finance Department updates the City's "
            "five-year financial forecast each February and presents it at the Council's "
            "goal-setting workshop.",
        ),
        ("break",),
        ("h1", "Budget at a glance"),
        (
            "p",
            "The tables in this section cover all funds: the General Fund, the Water and Sewer "
            "Fund, the Transit Fund and the special revenue funds. Transfers between funds are "
            "left out so that no dollar is counted twice. Actual figures for FY2023 are "
            "audited; FY2024 figures are the budget as adopted, before mid-year amendments.",
        ),
        (
            "table",
            "Table 1. Revenues by source ($ thousands)",
            ["Source", "FY2023 actual", "FY2024 adopted", "FY2025 adopted"],
            rev_rows,
        ),
        (
            "p",
            "Property tax remains the City's largest single source of revenue, followed by "
            "water and sewer charges, which by law may be spent only on the water and sewer "
            "systems. Fines and forfeitures continue to decline as the municipal court moves "
            "more first-time parking offenders into its warning program. Permit revenue rises "
            "mainly because of the building permit fee increase described in the section on "
            "fees and charges.",
        ),
        (
            "table",
            "Table 2. Expenditures by department ($ thousands)",
            ["Department", "FY2023 actual", "FY2024 adopted", "FY2025 adopted"],
            dep_rows,
        ),
        (
            "p",
            "Police and Fire and Rescue together account for more than a third of all "
            "spending. The largest percentage increase belongs to the Library, whose budget "
            "grows by about sixteen percent to staff and operate the Eastgate branch. Debt "
            "service rises because the first interest payment on the 2024 public safety bonds "
            "falls due in this fiscal year.",
        ),
        ("break",),
        ("h1", "Staffing"),
        (
            "p",
            "Positions are counted as full-time equivalents (FTE): a position that works half "
            "of a full-time schedule counts as 0.5. Seasonal staff, such as lifeguards and "
            "summer camp counsellors, are budgeted as temporary wages and are not counted "
            "here. Debt service and non-departmental costs have no staff.",
        ),
        (
            "table",
            "Table 3. Full-time equivalent positions by department",
            ["Department", "FY2024", "FY2025", "Change"],
            fte,
        ),
        (
            "p",
            "Salaries and benefits make up 61 percent of the General Fund. The budget includes "
            "a 3.0 percent cost-of-living adjustment for all employees under the agreements "
            "reached with the Harlow Bay Police Officers Association, the firefighters' Local "
            "2218 and the general employees' union, and an increase of 7.5 percent in the "
            "City's health insurance premiums. The City's pension contribution rate falls "
            "slightly, from 14.2 to 13.9 percent of payroll, after two years of strong "
            "investment returns.",
        ),
        ("break",),
        ("h1", "Department summaries"),
        (
            "p",
            "This section describes the work of the departments with the largest budgets or "
            "the largest changes this year. The smaller administrative departments (City "
            "Clerk, Finance and Human Resources) are described together under Administrative "
            "Services at the end of the section.",
        ),
        ("h2", "Police Department"),
        (
            "p",
            "Chief Renata Solberg has led the department since 2019; she joined the Harlow Bay "
            "Police Department as a patrol officer in 1998. The department answers calls for "
            "service, investigates crimes, enforces traffic laws and runs the City's 911 "
            "dispatch center, which also dispatches for the Fire and Rescue Department.",
        ),
        (
            "p",
            "In FY2024 the department opened a storefront substation on Marsh Lane, launched "
            "the community response unit and cleared a backlog of 300 untested evidence "
            "items. For FY2025 it will add six officers, replace its radio system together "
            "with the county (a two-year project), and bring its body-worn camera program to "
            "every patrol shift.",
        ),
        (
            "table",
            "Police performance measures",
            ["Measure", "FY2023", "FY2024 est.", "FY2025 target"],
            [
                ("Median response, priority 1 calls (minutes)", "6.8", "6.4", "6.0"),
                ("911 calls answered within 15 seconds (%)", "91", "94", "95"),
                ("Injury traffic collisions", "212", "198", "185"),
            ],
        ),
        ("h2", "Fire and Rescue Department"),
        (
            "p",
            "Fire Chief Desmond Achterberg came to Harlow Bay in 2009 from the Port Alden Fire "
            "District and was named chief in 2017. The department runs four fire stations and "
            "the City's ambulance service, inspects commercial buildings and teaches fire "
            "safety in every elementary school.",
        ),
        (
            "p",
            "Fire Station 4, on Ridgeback Road, was built in 1961 as a volunteer station and "
            "can no longer house a modern engine. Its replacement, paid for by the 2024 public "
            "safety bonds, is under construction on the same site and will open in the spring "
            "of 2026. Eight firefighter positions are added this year, so that the crews can "
            "be hired and trained before the station opens. During construction, Engine 4 "
            "works out of a temporary building at the Public Works yard.",
        ),
        (
            "table",
            "Fire and Rescue performance measures",
            ["Measure", "FY2023", "FY2024 est.", "FY2025 target"],
            [
                ("Calls answered within 8 minutes (%)", "84", "86", "88"),
                ("Commercial fire inspections", "1,410", "1,520", "1,600"),
                ("Ambulance transports", "5,930", "6,110", "6,250"),
            ],
        ),
        ("h2", "Public Works Department"),
        (
            "p",
            "Director Hiroshi Bancroft-Mori has led Public Works since 2016. The department "
            "maintains 212 miles of streets, 31 bridges and culverts, the storm drains, street "
            "lights and traffic signals, the City's buildings and its vehicle fleet, and "
            "collects solid waste under contract with Bayside Disposal.",
        ),
        (
            "p",
            "The department manages more capital projects than any other: the Harbor Road "
            "resurfacing, the City Hall roof and heating and cooling replacement, the seawall "
            "repair at Lantern Point and the sidewalk accessibility program. The pavement "
            "condition index of the City's streets, measured every two years, rose from 61 to "
            "64 between 2021 and 2023; the City's goal is 70 by 2030.",
        ),
        (
            "table",
            "Public Works performance measures",
            ["Measure", "FY2023", "FY2024 est.", "FY2025 target"],
            [
                ("Potholes repaired within 3 working days (%)", "78", "83", "90"),
                ("Street lane miles resurfaced", "14.2", "16.8", "21.5"),
                ("Street light outages fixed within 7 days (%)", "88", "90", "92"),
            ],
        ),
        ("h2", "Parks and Recreation Department"),
        (
            "p",
            "Director Lucia Fennimore joined the City in 2021 after eleven years with the "
            "county parks district. The department cares for 27 parks covering 640 acres, "
            "the Harbor Pool, the Oakmere golf course and two community centers, and runs "
            "classes, camps and adult sports leagues.",
        ),
        (
            "p",
            "The budget is slightly smaller than last year's because the summer concert series "
            "moves to the Harlow Bay Arts Council, which will receive a City grant of $85,000 "
            "to run it. The Millpond Park playground, the oldest in the City, will be replaced "
            "with an accessible playground this year using park impact fees paid by new "
            "housing developments.",
        ),
        (
            "p",
            "Harbor Pool will close from September 2024 to March 2025 to replace its filtration "
            "system and re-line the main basin; swim lessons move to the university's pool "
            "during the closure under an agreement that charges the City only for lifeguard "
            "time. Adult softball and pickleball leagues continue to grow, and the department "
            "will convert two of the four tennis courts at Ferncliff Park to six pickleball "
            "courts, paid for by a donation from the Harlow Bay Rotary Club.",
        ),
        (
            "table",
            "Parks and Recreation performance measures",
            ["Measure", "FY2023", "FY2024 est.", "FY2025 target"],
            [
                ("Recreation class enrollments", "9,840", "10,310", "10,600"),
                ("Harbor Pool visits", "61,200", "63,900", "38,000"),
                ("Park acres per 1,000 residents", "9.6", "9.4", "9.4"),
            ],
        ),
        ("h2", "Harlow Bay Public Library"),
        (
            "p",
            "Library Director Tomasz Okafor was appointed in 2018. The library lends more than "
            "600,000 items a year from its Main Library on Quay Street and the Northside "
            "branch, runs the Read Together tutoring program and offers free computer and "
            "internet access.",
        ),
        (
            "p",
            "The Eastgate Branch Library, financed by the 2021 general obligation bonds, "
            "opens in the spring of 2025 with a children's wing, a makerspace and a community "
            "room for 120 people. Its nine new positions are the largest addition of staff in "
            "the library's history. The budget also ends overdue fines, which cost more to "
            "collect than they bring in and kept many families from using the library.",
        ),
        (
            "table",
            "Library performance measures",
            ["Measure", "FY2023", "FY2024 est.", "FY2025 target"],
            [
                ("Items lent (thousands)", "604", "618", "690"),
                ("Library visits (thousands)", "412", "431", "505"),
                ("Read Together students", "340", "365", "420"),
            ],
        ),
        ("h2", "Planning and Development Department"),
        (
            "p",
            "Director Ingrid Castellanos has led the department since 2020. It reviews "
            "development applications, issues building permits, enforces the zoning code and "
            "prepares the City's long-range plans. This year it will complete the update of "
            "the General Plan's housing element, which the state requires by October 2025. "
            "One vacant permit technician position is removed because most permits are now "
            "applied for and paid through the self-service portal.",
        ),
        ("h2", "Water and Sewer Utility"),
        (
            "p",
            "Utility General Manager Femi Haraldsen has run the utility since 2013. It "
            "supplies water to about 21,000 homes and businesses from the Ashby reservoir and "
            "four wells, and treats their wastewater at the Cove Street treatment plant before "
            "it is released to the bay. The utility is paid for entirely by its customers' "
            "water and sewer charges; no tax money is used.",
        ),
        (
            "p",
            "The largest project in the City's capital program, the aeration upgrade at the "
            "Cove Street plant, continues this year. It will cut the plant's electricity use "
            "by about a fifth and meet the nitrogen limits in the plant's new discharge "
            "permit. The Kessler Street water main, installed in 1938, has broken nine times "
            "in the past five years and will be replaced this year.",
        ),
        ("h2", "Transit"),
        (
            "p",
            "Transit Manager Odile Kwarteng joined the City in 2022. Harlow Bay Transit runs "
            "seven fixed bus routes and a dial-a-ride service for seniors and people with "
            "disabilities. Ridership has recovered to 93 percent of its 2019 level. The first "
            "six battery-electric buses, ordered with a federal grant that pays 80 percent of "
            "their cost, are expected in the autumn of 2025; chargers will be installed at "
            "the bus yard on Tillman Avenue.",
        ),
        ("h2", "Information Technology"),
        (
            "p",
            "Chief Information Officer Paulo Lindqvist has led the department since 2017. The "
            "department supports 1,100 computers and the City's networks, and in FY2025 "
            "begins replacing the City's financial software (ERP), in use since 2003. Two "
            "positions are added: a cybersecurity analyst and a project manager for the "
            "software replacement.",
        ),
        ("h2", "Administrative Services"),
        (
            "p",
            "The City Clerk, Finance and Human Resources departments keep the City's records, "
            "run its elections, pay its bills and employees, collect its revenues, and "
            "recruit and train its staff. Finance Director Marguerite Oyelaran, who came to "
            "Harlow Bay in 2015, also serves as the City's treasurer. Finance adds one "
            "accountant position to support the new financial software.",
        ),
        ("break",),
        ("h1", "Capital Improvement Program"),
        (
            "p",
            "The Capital Improvement Program (CIP) lists projects that build or replace "
            "long-lived assets costing more than $100,000. The table shows each project's "
            "total cost over all years and the amount appropriated in FY2025. Projects marked "
            "'Capital reserve' are paid from the General Fund capital reserve, which receives "
            "one-time money such as the unexpected investment income described in the letter "
            "of transmittal. CDBG is the federal Community Development Block Grant.",
        ),
        (
            "table",
            "Table 4. Capital projects ($ thousands)",
            ["Project", "Department", "Total cost", "FY2025", "Funding", "Completion"],
            proj_rows,
        ),
        (
            "p",
            "Three projects were deferred to future years for lack of funding: a new "
            "maintenance building for the Oakmere golf course, the replacement of the Northside "
            "community center's roof and a traffic signal at Fenwick Road and Ninth Street. "
            "The Council asked staff to look for grant funding for the traffic signal before "
            "the FY2026 budget.",
        ),
        ("break",),
        ("h1", "Debt, reserves and financial policies"),
        ("h2", "Outstanding debt"),
        (
            "p",
            "The City's general obligation (GO) bonds are repaid from property taxes and carry "
            "a rating of AA+ from Standard & Poor's, confirmed in March 2024 before the sale "
            "of the public safety bonds. Revenue bonds are repaid only from water and sewer "
            "charges. The City's debt policy limits annual General Fund debt service to 8 "
            "percent of General Fund spending; the FY2025 budget uses 5.1 percent.",
        ),
        (
            "table",
            "Table 5. Bonds outstanding on June 30, 2024 ($ thousands)",
            ["Issue", "Issued", "Original", "Outstanding", "Final maturity", "Interest"],
            debt_rows,
        ),
        ("h2", "Reserves"),
        (
            "p",
            "The City's reserve policy sets a target for the General Fund's unassigned balance "
            "of 17 percent of annual General Fund operating spending, enough to run the City "
            "for about two months without new revenue. At the end of FY2025 the unassigned "
            "balance is projected at $16.9 million, or 18.4 percent. The amount above the "
            "target may be used only for one-time purposes. The Water and Sewer Fund keeps a "
            "separate reserve of 120 days of operating expenses, and the Transit Fund one of "
            "60 days.",
        ),
        ("h2", "Other financial policies"),
        (
            "ul",
            [
                "The budget must be balanced in every fund: recurring spending may not exceed "
                "recurring revenue.",
                "Fees for services are reviewed every year and set to recover the full cost of the "
                "service unless the Council decides otherwise.",
                "Capital assets are replaced on schedule: vehicles after 8 to 15 years depending "
                "on "
                "their type, computers after 5 years.",
                "The City invests only in instruments allowed by the state's local agency "
                "investment "
                "law, with safety first, liquidity second and yield third.",
            ],
        ),
        ("break",),
        ("h1", "Changes to fees and charges"),
        (
            "p",
            "The following changes take effect on July 1, 2024 unless noted. Fees not listed "
            "are unchanged. The full fee schedule is published by the City Clerk.",
        ),
        (
            "table",
            "Table 6. Fee changes (in dollars)",
            ["Fee", "FY2024", "FY2025"],
            [
                ("Residential water base charge, per month", "18.40", "19.60"),
                ("Residential sewer charge, per month", "24.10", "25.67"),
                ("Building permit base fee", "145.00", "155.00"),
                ("Park pavilion rental, per day", "85.00", "95.00"),
                ("Parking citation, expired meter", "45.00", "50.00"),
                ("False alarm fee, third and later in a year", "150.00", "175.00"),
                ("Marina slip, per foot per month", "14.50", "15.25"),
                ("Library overdue fine, per item per day", "0.25", "0.00"),
            ],
        ),
        (
            "p",
            "The marina slip rate changes on October 1, 2024, at the start of the marina's "
            "season year. Lost or damaged library items must still be paid for.",
        ),
        ("break",),
        ("h1", "Budget calendar"),
        (
            "table",
            "How the FY2025 budget was prepared",
            ["Date", "Step"],
            [
                ("January 15, 2024", "Budget instructions sent to departments"),
                ("February 9, 2024", "Department requests due"),
                ("March 28, 2024", "City Council goal-setting workshop"),
                ("April 23, 2024", "City Manager's proposed budget released"),
                ("May 14, 2024", "First public hearing"),
                ("May 21, 2024", "Second public hearing"),
                ("June 11, 2024", "Budget adopted by the City Council"),
                ("July 1, 2024", "Fiscal year begins"),
            ],
        ),
        ("h1", "Glossary"),
        (
            "ul",
            [
                "Appropriation: the legal authority given by the City Council to spend money for a "
                "stated purpose.",
                "Capital Improvement Program (CIP): the plan for building and replacing long-lived "
                "assets.",
                "Enterprise fund: a fund, such as the Water and Sewer Fund, paid for by charges to "
                "the users of a service.",
                "FTE: full-time equivalent, a measure of staffing.",
                "General obligation (GO) bond: a bond repaid from property taxes and backed by the "
                "City's full faith and credit.",
                "Mill: one dollar of tax per $1,000 of assessed property value.",
                "Revenue bond: a bond repaid from the revenue of the project or system it pays "
                "for.",
                "Unassigned fund balance: the part of a fund's reserves not set aside for any "
                "purpose.",
            ],
        ),
    ]


# ---------------------------------------------------------------------------------------------
# 2. Nordvik AquaTherm AT series heat pump manual (DOCX, a hard page break between chapters)
# ---------------------------------------------------------------------------------------------

HEATPUMP_MODELS = ["AT-6", "AT-9", "AT-12", "AT-16"]
HEATPUMP_SPECS = [
    ("Heating capacity at A7/W35 (kW)", "6.1", "8.9", "12.2", "15.8"),
    ("COP at A7/W35", "4.85", "4.72", "4.61", "4.48"),
    ("Heating capacity at A-7/W55 (kW)", "4.4", "6.6", "9.1", "11.9"),
    ("SCOP, average climate, 35 °C", "4.92", "4.81", "4.70", "4.58"),
    ("Cooling capacity at A35/W18 (kW)", "5.6", "8.1", "11.0", "14.2"),
    ("Maximum flow temperature (°C)", "65", "65", "70", "70"),
    ("Refrigerant R32 charge (kg)", "1.10", "1.40", "1.85", "2.30"),
    ("Sound power level (dB(A))", "54", "56", "58", "61"),
    ("Sound pressure at 5 m (dB(A))", "32", "34", "36", "39"),
    ("Power supply", "230 V 1~ 50 Hz", "230 V 1~ 50 Hz", "400 V 3~ 50 Hz", "400 V 3~ 50 Hz"),
    ("Recommended fuse", "16 A", "20 A", "3 x 16 A", "3 x 20 A"),
    ("Nominal water flow (l/min)", "17", "26", "35", "45"),
    ("Minimum system water volume (l)", "40", "60", "80", "110"),
    ("Water connections", "1 in", "1 in", "1 1/4 in", "1 1/4 in"),
    (
        "Dimensions W x H x D (mm)",
        "1010 x 760 x 420",
        "1120 x 860 x 440",
        "1240 x 960 x 480",
        "1240 x 1380 x 480",
    ),
    ("Net weight (kg)", "68", "79", "104", "121"),
]

HEATPUMP_ERRORS = [
    ("E01", "Outdoor temperature sensor open or short circuit", "Service"),
    ("E02", "Flow temperature sensor fault", "Service"),
    ("E03", "Return temperature sensor fault", "Service"),
    ("E04", "Water flow too low", "User: clean the strainer, bleed air, then reset"),
    (
        "E05",
        "Communication lost between controller and outdoor unit",
        "User: check the cable, switch off for 1 minute, then reset",
    ),
    ("E06", "Compressor discharge temperature too high", "Service"),
    ("E07", "Frost protection active, flow below 5 °C", "Automatic; call service if repeated"),
    ("E08", "Low refrigerant pressure", "Service (certified technician)"),
    (
        "E09",
        "High refrigerant pressure switch tripped",
        "User: check that valves are open, then reset; service if repeated",
    ),
    ("E10", "Inverter overcurrent", "Service"),
    ("E11", "Supply voltage out of range", "Electrician"),
    ("E12", "Fan motor fault", "Service"),
    ("E13", "Defrost failed three times in a row", "User: clear snow and ice, then reset"),
    ("E14", "Hot water tank sensor fault", "Service"),
    ("E15", "Immersion heater overheat thermostat tripped", "Service"),
    (
        "E16",
        "Leak detected by the refrigerant sensor",
        "Switch off, ventilate, call a certified technician",
    ),
]


def heatpump_document():
    spec_rows = [list(r) for r in HEATPUMP_SPECS]
    return [
        ("title", "Nordvik AquaTherm AT series - Air-to-water heat pump"),
        (
            "p",
            "Installation, operation and maintenance manual for the models AT-6, AT-9, AT-12 "
            "and AT-16. Document NV-AT-IM-EN, revision C, March 2024. Read this manual before "
            "installing or using the heat pump and keep it near the indoor controller.",
        ),
        (
            "p",
            "Nordvik Climate Systems AB, Hamnvägen 14, 417 64 Gothenburg, Sweden. Service "
            "line: +46 31 555 0190 (weekdays 07:00 to 18:00 CET). The manufacturer reserves "
            "the right to change the specifications in this manual without notice.",
        ),
        ("break",),
        ("h1", "1 Safety"),
        (
            "p",
            "The heat pump contains R32 refrigerant, which is mildly flammable (safety class "
            "A2L). Only technicians certified for flammable refrigerants under the applicable "
            "F-gas regulation may open the refrigerant circuit, recover the refrigerant or "
            "repair leaks. The outdoor unit must never be installed in a pit, a closed "
            "enclosure or any space where leaked refrigerant could collect.",
        ),
        (
            "ul",
            [
                "Switch off the power at the isolator and wait at least 5 minutes before opening "
                "the outdoor unit: the inverter's capacitors hold a dangerous voltage after the "
                "supply is removed.",
                "Do not start the heat pump unless the heating system is filled with water and "
                "vented. Running the circulation pump dry damages its seals within minutes.",
                "Children must not play with the unit or climb on it. Cleaning and user "
                "maintenance "
                "must not be done by children without supervision.",
                "Never put fingers or objects into the fan guard. The fan may start at any time "
                "without warning, for example at the start of a defrost cycle.",
                "If you smell burning or see smoke, switch off the isolator at once and call the "
                "service line.",
            ],
        ),
        (
            "p",
            "Warnings in this manual are marked as follows. DANGER: a hazard that will cause "
            "death or serious injury. WARNING: a hazard that can cause death or serious "
            "injury. CAUTION: a hazard that can cause minor injury or damage to property. "
            "NOTE: information for correct use.",
        ),
        ("break",),
        ("h1", "2 Product overview"),
        (
            "p",
            "The AquaTherm AT series are monobloc air-to-water heat pumps: the whole "
            "refrigerant circuit is sealed inside the outdoor unit at the factory, and only "
            "water pipes run into the building. They heat radiators or underfloor heating, "
            "heat domestic hot water in a separate tank and, with the cooling kit, cool the "
            "building through fan coils or underfloor circuits. A variable-speed compressor "
            "matches the output to the heat demand from about 25 percent to 100 percent of "
            "the rated capacity.",
        ),
        ("h2", "Choosing a model"),
        (
            "p",
            "Choose the model from the building's design heat loss, calculated according to "
            "EN 12831 at the local design outdoor temperature. As a guide: up to 5.5 kW, the "
            "AT-6; from 5.5 to 8 kW, the AT-9; from 8 to 11.5 kW, the AT-12; from 11.5 to "
            "15 kW, the AT-16. A building whose heat loss exceeds 15 kW needs two units in "
            "cascade, which the controller supports with the cascade licence (accessory "
            "NV-CAS-2). Do not oversize: a heat pump that is too large for the building starts "
            "and stops often, which shortens the compressor's life and lowers efficiency.",
        ),
        ("h2", "What is in the box"),
        (
            "ul",
            [
                "Outdoor unit with pre-charged refrigerant circuit",
                "Indoor controller NV-C3 with wall bracket and 3 m sensor cable",
                "Outdoor temperature sensor (mounted on the unit)",
                "Four anti-vibration feet",
                "Magnetic dirt separator with strainer (1 in, or 1 1/4 in for the AT-12 and AT-16)",
                "Two flexible hoses, 600 mm, with gaskets",
                "Quick guide and this manual",
            ],
        ),
        ("h2", "Accessories"),
        (
            "p",
            "Available separately: the hot water tank NV-T200 (200 litres) or NV-T300 "
            "(300 litres), each with a 3 kW immersion heater; the cooling kit NV-CK1 with dew "
            "point sensor; the wall bracket NV-WB for the AT-6 and AT-9 only; the buffer tank "
            "NV-B50 for systems with too little water volume; and the Nordvik Connect Wi-Fi "
            "module NV-WIFI for control from a phone.",
        ),
        ("break",),
        ("h1", "3 Technical specifications"),
        (
            "p",
            "Values are measured according to EN 14511 and EN 14825. A7/W35 means an outdoor "
            "air temperature of 7 °C and a flow temperature of 35 °C. The sound power level is "
            "measured according to EN 12102-1 at nominal conditions; the sound pressure is "
            "calculated for free field conditions at 5 metres.",
        ),
        ("table", "Table 3.1 Specifications", ["Property", *HEATPUMP_MODELS], spec_rows),
        (
            "p",
            "All models work at outdoor temperatures from -25 °C to +43 °C in heating mode and "
            "from +10 °C to +46 °C in cooling mode. Below -20 °C the maximum flow temperature "
            "falls to 55 °C. All models carry energy label A+++ for low-temperature heating "
            "(35 °C) and A++ for medium-temperature heating (55 °C). The refrigerant circuit "
            "holds less than 3 kg of R32 in every model, so no annual leak check is required "
            "by the F-gas regulation; Nordvik still recommends one (see chapter 6).",
        ),
        ("break",),
        ("h1", "4 Installation"),
        ("h2", "4.1 Siting the outdoor unit"),
        (
            "p",
            "Install the outdoor unit outside on firm, level ground or on a wall bracket. "
            "Choose a place where the cold air blown out by the fan does not blow onto a "
            "terrace, a window or a neighbour's property, and where the sound is least likely "
            "to disturb: not under bedroom windows, and not in a corner between walls, which "
            "reflects the sound. Keep the unit at least 3 metres from the property line unless "
            "local rules allow less. Raise the unit at least 300 mm above the ground, and above "
            "the usual snow depth in snowy regions, so that snow cannot block the air inlet at "
            "the back.",
        ),
        (
            "table",
            "Table 4.1 Minimum clearances around the outdoor unit",
            ["Side", "Minimum clearance (mm)"],
            [
                ("Front (air outlet)", "1000"),
                ("Rear (air inlet)", "300"),
                ("Left side", "300"),
                ("Right side (service side)", "500"),
                ("Above", "1500"),
            ],
        ),
        ("h2", "4.2 Condensate"),
        (
            "p",
            "Up to 60 litres of water a day can drain from the evaporator during defrosting in "
            "cold, damp weather. Lead the condensate away through a drain or into a gravel bed "
            "at least 600 mm deep below the unit. In regions where the ground freezes, use the "
            "heated condensate hose NV-CH (accessory). Never let condensate run onto a "
            "footpath, where it will freeze.",
        ),
        ("h2", "4.3 Hydraulic connection"),
        (
            "p",
            "Connect the flow and return pipes with the flexible hoses supplied, so that the "
            "unit's vibration is not carried into the building. Fit the magnetic dirt "
            "separator in the return pipe before the unit, with isolating valves on both "
            "sides. Insulate all outdoor pipes with at least 19 mm of closed-cell insulation "
            "protected against ultraviolet light. If the pipes outside can freeze during a "
            "power cut, fill the system with a mixture of water and propylene glycol; the "
            "glycol concentration must not exceed 30 percent, because more glycol lowers the "
            "heat output and can damage the circulation pump. Alternatively, fit the "
            "anti-freeze valves NV-AFV, which drain the outdoor pipes when the water in them "
            "falls below 3 °C.",
        ),
        (
            "p",
            "The system must hold at least the minimum water volume given in Table 3.1 in the "
            "circuits that can never be closed, so that the unit can defrost. If thermostatic "
            "valves can close most of the radiators, fit a buffer tank. Set the system "
            "pressure to between 1.0 and 2.0 bar when cold; the safety valve opens at "
            "3.0 bar.",
        ),
        ("h2", "4.4 Electrical connection"),
        (
            "p",
            "The electrical installation must be made by a qualified electrician according "
            "to local regulations. The unit needs its own supply from the main distribution "
            "board, protected by a type B residual current device of 30 mA and a circuit "
            "breaker with C characteristic of the rating given in Table 3.1, and a lockable "
            "isolator next to the outdoor unit. The 3 kW immersion heater of the hot water "
            "tank needs a separate supply with a 16 A breaker. Connect the controller to the "
            "outdoor unit with a shielded two-core cable of at most 50 metres.",
        ),
        ("h2", "4.5 Connecting a hot water tank"),
        (
            "p",
            "The heat pump heats the hot water tank through a three-way diverting valve in the "
            "flow pipe, which the controller switches between the heating circuit and the "
            "tank's coil. Use a tank designed for heat pumps, with a coil surface of at least "
            "2.5 square metres for the AT-6 and AT-9 and at least 3.2 square metres for the "
            "AT-12 and AT-16; the NV-T200 and NV-T300 tanks meet these figures. A tank with a "
            "smaller coil cannot take the heat pump's output, so the unit reaches its "
            "maximum flow temperature before the tank is hot and the immersion heater does "
            "the rest, at three to four times the running cost.",
        ),
        (
            "p",
            "Fit the tank sensor in the sensor pocket at about one third of the tank's height "
            "from the bottom. Install a thermostatic mixing valve on the hot water outlet, set "
            "to no more than 55 °C, because the legionella program heats the whole tank to "
            "65 °C, which can scald. The tank's own safety group (a pressure relief valve "
            "opening at 6 bar and a check valve) must be connected to the cold water supply "
            "as the tank's manual describes, with the relief valve's outlet led to a drain.",
        ),
        ("h2", "4.6 Commissioning"),
        (
            "p",
            "Commissioning must be done by the installer, who fills in the commissioning "
            "report at the end of this manual. Record the serial number, the system pressure, "
            "the glycol concentration if any, and the measured flow rate. The unit refuses "
            "to start the compressor until the installer has confirmed the commissioning "
            "wizard in the controller's installer menu (code 4512). Show the owner how to use "
            "the controller, how to clean the strainer and what to do when an error code "
            "appears.",
        ),
        ("break",),
        ("h1", "5 Using the controller"),
        (
            "p",
            "The NV-C3 controller has a 4.3-inch touch screen. The home screen shows the "
            "outdoor temperature, the flow temperature, the hot water temperature and the "
            "active mode. Tap the mode symbol to change the mode; tap the menu symbol in the "
            "top right corner for settings, schedules and the error log.",
        ),
        ("h2", "5.1 Operating modes"),
        (
            "ul",
            [
                "Heating: the flow temperature follows the heating curve.",
                "Cooling: available only with the cooling kit; the flow temperature is kept above "
                "the dew point.",
                "Hot water: heats only the hot water tank (summer mode).",
                "Auto: switches between heating and cooling from the outdoor temperature averaged "
                "over 24 hours (heating below 16 °C, cooling above 24 °C by default).",
                "Holiday: keeps the building at 12 °C and the hot water tank at 25 °C until the "
                "chosen return date, then resumes the previous mode a day early.",
                "Off: frost protection stays active.",
            ],
        ),
        ("h2", "5.2 Heating curve"),
        (
            "p",
            "The heating curve sets the flow temperature for each outdoor temperature. The "
            "curve is chosen from 1 (flattest) to 10 (steepest); the default is curve 4, "
            "which gives a flow temperature of 35 °C at 0 °C outside and suits most "
            "underfloor heating. Radiator systems usually need curve 6 or 7. Change the curve "
            "one step at a time and wait at least two days before changing it again. If the "
            "rooms are too warm in mild weather only, lower the curve offset instead.",
        ),
        (
            "table",
            "Table 5.1 Flow temperature (°C) for some heating curves",
            ["Outdoor temperature", "Curve 2", "Curve 4", "Curve 6", "Curve 8"],
            [
                ("+15 °C", "22", "24", "26", "28"),
                ("+10 °C", "24", "28", "32", "36"),
                ("0 °C", "28", "35", "42", "49"),
                ("-10 °C", "32", "41", "51", "60"),
                ("-20 °C", "35", "46", "58", "65"),
            ],
        ),
        ("h2", "5.3 Hot water and legionella protection"),
        (
            "p",
            "The default hot water temperature is 48 °C, which the heat pump reaches alone. "
            "Once a week the legionella protection program heats the tank to 65 °C using the "
            "immersion heater; by default it runs on Sunday at 02:00 and lasts until the "
            "tank has stayed at 65 °C for 30 minutes. The program can be moved to another day "
            "and hour but should not be switched off. The Boost button heats the tank once to "
            "60 °C at once, for example before guests arrive.",
        ),
        ("h2", "5.4 Silent mode and schedules"),
        (
            "p",
            "Silent mode limits the compressor and fan speed to lower the sound level by "
            "about 4 dB(A), which reduces the maximum heat output to about 70 percent. By "
            "default it is active from 22:00 to 06:00. Up to six schedule periods a day can "
            "lower or raise the room temperature; each period can change it by at most "
            "3 °C, because larger setbacks cost more energy to recover than they save in a "
            "well-insulated building heated by a heat pump.",
        ),
        ("h2", "5.5 Energy metering"),
        (
            "p",
            "The controller estimates the electricity used and the heat delivered, per day, "
            "month and year, and shows the resulting seasonal performance. The estimate is "
            "accurate to about 10 percent; for billing-grade figures fit a certified heat "
            "meter and electricity meter (accessory NV-MK).",
        ),
        ("h2", "5.6 Nordvik Connect app"),
        (
            "p",
            "With the Wi-Fi module NV-WIFI the heat pump can be controlled from the Nordvik "
            "Connect app for Android and iOS. The app shows the same information as the "
            "controller, sends a notification when an error code appears and lets the owner "
            "give a service partner temporary access for remote diagnosis; the access ends "
            "automatically after 72 hours. The module connects to 2.4 GHz networks only. "
            "Software updates for the controller and the outdoor unit are installed through "
            "the app at night, never while the legionella program or a defrost is running.",
        ),
        ("h2", "5.7 Installer settings"),
        (
            "p",
            "The installer menu is protected by the code given in section 4.6. The settings "
            "most often changed are listed below; the full list of 118 parameters is in the "
            "service manual, which Nordvik supplies to its service partners.",
        ),
        (
            "table",
            "Table 5.2 Common installer settings",
            ["Parameter", "Setting", "Default", "Range"],
            [
                ("P01", "Maximum flow temperature, heating", "55 °C", "25 to 70 °C"),
                ("P02", "Minimum flow temperature, heating", "20 °C", "15 to 35 °C"),
                ("P05", "Immersion heater may help with heating", "Yes", "Yes / No"),
                ("P07", "Delay before the immersion heater helps", "60 min", "0 to 240 min"),
                ("P12", "Circulation pump speed", "Auto", "Auto, 40 to 100 %"),
                ("P18", "Minimum flow temperature, cooling", "18 °C", "7 to 25 °C"),
                ("P20", "Legionella program day", "Sunday", "Any day, or daily"),
                ("P21", "Legionella program start", "02:00", "00:00 to 23:00"),
                ("P30", "Outdoor temperature for heating to stop", "17 °C", "10 to 25 °C"),
                ("P41", "Cascade: number of units", "1", "1 to 2"),
            ],
        ),
        ("break",),
        ("h1", "6 Maintenance"),
        (
            "p",
            "Regular maintenance keeps the heat pump efficient and is a condition of the "
            "extended warranty. The owner may carry out the tasks marked 'Owner'; all other "
            "tasks must be done by an authorised Nordvik service partner.",
        ),
        (
            "table",
            "Table 6.1 Maintenance schedule",
            ["Task", "Interval", "Who"],
            [
                ("Clean the strainer of the dirt separator", "Every 6 months", "Owner"),
                ("Remove leaves and snow from around the unit", "As needed", "Owner"),
                ("Check the system pressure (1.0 to 2.0 bar)", "Every 3 months", "Owner"),
                ("Clean the evaporator fins with a soft brush", "Every 12 months", "Owner"),
                ("Check the condensate drain", "Every 12 months", "Service partner"),
                (
                    "Leak check of the refrigerant circuit",
                    "Every 12 months",
                    "Certified technician",
                ),
                ("Check the glycol concentration", "Every 24 months", "Service partner"),
                ("Test the safety valve", "Every 24 months", "Service partner"),
                (
                    "Replace the magnesium anode of the hot water tank",
                    "Every 5 years",
                    "Service partner",
                ),
            ],
        ),
        (
            "p",
            "A clogged strainer is the most common cause of low water flow and of the error "
            "that reports it. To clean it, switch the heat pump off at the controller, close "
            "the two isolating valves beside the dirt separator, unscrew the cap, rinse the "
            "strainer under running water and refit it. Open the valves, check the system "
            "pressure and top up if it has fallen below 1.0 bar.",
        ),
        (
            "p",
            "Do not use a pressure washer on the evaporator fins: they bend easily, and bent "
            "fins reduce the airflow and the heat output. Never use solvents or acid "
            "cleaners on the casing.",
        ),
        ("break",),
        ("h1", "7 Troubleshooting"),
        (
            "p",
            "When a fault occurs, the controller shows an error code and a short text, and "
            "the red LED on the outdoor unit flashes. Faults marked 'User' in the table may be "
            "reset by the owner from the error log, after the cause has been removed. If the "
            "same error occurs three times within 24 hours, the heat pump locks out and only "
            "a service partner can reset it. During a lockout the immersion heater keeps the "
            "hot water and, if the installer has allowed it, the heating going.",
        ),
        (
            "table",
            "Table 7.1 Error codes",
            ["Code", "Meaning", "Action"],
            [list(r) for r in HEATPUMP_ERRORS],
        ),
        ("h2", "Problems without an error code"),
        (
            "ul",
            [
                "The unit steams in winter: this is normal during defrosting, which takes 3 to 8 "
                "minutes and can happen every 40 minutes in damp weather around 0 °C.",
                "The rooms are cold but there is no error: check the mode, the schedule and the "
                "heating curve; check that the radiator valves are open.",
                "The hot water runs out quickly: check the hot water temperature and that the "
                "Holiday mode is not active.",
                "The unit is louder than usual: check that nothing touches the casing and that the "
                "anti-vibration feet are in place; check whether silent mode is on.",
            ],
        ),
        ("h2", "Frequently asked questions"),
        (
            "p",
            "Why does the heat pump run for many hours without stopping? A heat pump works "
            "best when it runs slowly and for a long time. Long, quiet running at low speed is "
            "a sign that the unit is well matched to the building, not a fault.",
        ),
        (
            "p",
            "Can I switch the heat pump off when I go to work? It is better not to. Letting "
            "the building cool down and heating it up again in the evening makes the heat "
            "pump run at full speed and a higher flow temperature, which costs more than "
            "keeping an even temperature. Use a schedule setback of 1 to 2 °C instead.",
        ),
        (
            "p",
            "What happens during a power cut? The controller keeps its settings. When the power "
            "returns, the unit waits 3 minutes before starting the compressor, so that the "
            "pressures in the refrigerant circuit can equalise. In frosty weather, check that "
            "the outdoor pipes have not frozen if the power was off for more than a few hours "
            "and no glycol or anti-freeze valves are fitted.",
        ),
        (
            "p",
            "Why is the electricity use higher in January than the app predicted? The estimate "
            "in the controller assumes average weather. A cold spell lowers the efficiency and "
            "raises the heat demand at the same time, so a week at -15 °C can use three times "
            "as much electricity as a week at +5 °C.",
        ),
        (
            "p",
            "Can the heat pump heat a swimming pool? Only through a heat exchanger and with "
            "the pool kit NV-PK, which adds a third priority after hot water and heating. "
            "Pool water must never flow through the heat pump itself.",
        ),
        ("break",),
        ("h1", "8 Warranty and disposal"),
        (
            "p",
            "Nordvik gives a warranty of 5 years on parts from the date of installation. The "
            "compressor is covered for 7 years if the heat pump is registered at "
            "nordvik-climate.example/register within 30 days of installation and serviced by "
            "an authorised service partner every 12 months. Labour is covered for the first 2 "
            "years. The warranty does not cover damage from freezing, from water of poor "
            "quality, from installation that does not follow this manual, or from repairs by "
            "anyone other than an authorised service partner.",
        ),
        (
            "p",
            "To make a claim, contact the service partner who maintains the heat pump, or the "
            "Nordvik service line if there is none. Have the serial number ready (it is on the "
            "type plate on the right-hand side of the outdoor unit and in the controller under "
            "Menu > Information), the date of installation, the error code if one is shown, and "
            "the service record. Parts replaced under warranty become Nordvik's property; a "
            "replaced part does not start a new warranty period of its own, but is covered "
            "for the rest of the original period or for 12 months, whichever is longer.",
        ),
        (
            "p",
            "At the end of its life the heat pump must not be put in household waste. The "
            "refrigerant must be recovered by a certified technician, and the unit taken to "
            "a collection point for electrical and electronic equipment. The unit is made "
            "mostly of steel, aluminium and copper, which are recycled.",
        ),
        ("break",),
        ("h1", "9 Document history"),
        (
            "table",
            "Revisions of this manual",
            ["Revision", "Date", "Changes"],
            [
                ("A", "June 2022", "First edition, models AT-6, AT-9 and AT-12"),
                ("B", "January 2023", "Model AT-16 added; cooling kit NV-CK1 added"),
                (
                    "C",
                    "March 2024",
                    "Heated condensate hose added; silent mode default hours changed "
                    "to 22:00-06:00; error codes E15 and E16 added",
                ),
            ],
        ),
        ("h2", "Commissioning report"),
        (
            "p",
            "Installer company: ______  Installer name and certificate number: ______  "
            "Date of commissioning: ______  Model and serial number: ______  System pressure "
            "(bar): ______  Glycol (%): ______  Measured flow (l/min): ______  Heating "
            "curve set: ______  Owner shown the controller and strainer cleaning (yes/no): "
            "______  Signatures: ______",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# 3. Brightwell Freight Partners employee handbook (Markdown)
# ---------------------------------------------------------------------------------------------

HANDBOOK_OFFICES = [  # city, country, opened, employees, office lead
    ("Antwerp (head office)", "Belgium", 1999, 610, "Pieter Claes"),
    ("Rotterdam", "Netherlands", 1987, 420, "Femke de Wit"),
    ("Hamburg", "Germany", 2003, 290, "Jonas Richter"),
    ("Gdańsk", "Poland", 2008, 240, "Agnieszka Wrona"),
    ("Gothenburg", "Sweden", 2011, 185, "Linnea Berg"),
    ("Lyon", "France", 2015, 160, "Camille Roussel"),
    ("Milan", "Italy", 2017, 140, "Davide Ferraro"),
    ("Valencia", "Spain", 2019, 120, "Lucía Navarro"),
    ("Dublin", "Ireland", 2021, 95, "Ciarán Walsh"),
]
HANDBOOK_FIELD_STAFF = 80


def _contact(name: str, role: str, email: str) -> tuple:
    return ("p", f"Questions about this chapter: {name}, {role} ({email}@brightwell.example).")


def handbook_document():
    staff = sum(o[3] for o in HANDBOOK_OFFICES) + HANDBOOK_FIELD_STAFF
    office_rows = [(c, k, y, n, lead) for c, k, y, n, lead in HANDBOOK_OFFICES]
    office_rows.append(
        (
            "Drivers and staff based at customer sites",
            "several",
            "",
            HANDBOOK_FIELD_STAFF,
            "(their team lead)",
        )
    )
    oskar = _contact("Oskar Lindahl", "People Team", "oskar.lindahl")
    blocks = [
        ("title", "Brightwell Freight Partners - Employee Handbook"),
        (
            "p",
            "Edition 2024, valid from 1 March 2024. This handbook replaces the edition of "
            "September 2021. Where your employment contract or a collective agreement in your "
            "country gives you more favourable terms, those terms apply.",
        ),
        ("h1", "Welcome"),
        (
            "p",
            "Welcome to Brightwell. Whether you plan routes in Antwerp, drive out of Gdańsk or "
            "answer customers' calls in Dublin, you are part of a company that has grown from "
            "two lorries to one of the larger independent freight forwarders in Europe "
            "without losing the habits that got it there: we pick up the phone, we say what "
            "we will do and we do it. This handbook tells you what you can expect from us "
            "and what we expect from you. Read it in your first week, and come back to it "
            "whenever you are unsure; if the answer is not here, ask the person named at the "
            "end of the chapter.",
        ),
        ("p", "- Marisol Abernathy-Quint, Chief Executive Officer since 2019"),
        ("h2", "Our history"),
        (
            "p",
            f"Brightwell was founded in 1987 in Rotterdam by Henk Vreeland and Dorothea "
            "Mwangi, a former dock clerk and a former customs broker, with two second-hand "
            "lorries and a rented office above a ship chandler's on the Maashaven. The "
            "company's first regular customer was a flower exporter who needed a reliable "
            "overnight run to Paris. In 1999 the head office moved to Antwerp, closer to the "
            "customers in the chemical industry who had by then become the company's largest "
            "market. Offices in Hamburg and Gdańsk followed, and in 2011 Brightwell bought "
            "the Swedish forwarder Nordlink, which gave it its office in Gothenburg and its "
            "first customers in Scandinavia. Henk Vreeland retired in 2008; Dorothea Mwangi "
            f"chaired the board until 2020. Today Brightwell employs {staff:,} people and "
            "moves about 410,000 shipments a year by road, rail, sea and air.",
        ),
        ("h2", "Our values"),
        (
            "ul",
            [
                "Reliable: we do what we promised, and when we cannot, we say so early and offer "
                "another way.",
                "Straightforward: we give customers and each other clear answers, including "
                "unwelcome ones, and we keep our paperwork as simple as the law allows.",
                "Careful: no shipment is so urgent that it justifies an unsafe lift, an overloaded "
                "lorry or a tired driver.",
                "Together: an office that wins a customer wins it for the whole company, and we "
                "help colleagues in other offices as we would help our own team.",
            ],
        ),
        (
            "p",
            "Our customers range from small exporters shipping a single pallet to global "
            "chemical, food and machinery manufacturers that send hundreds of containers a "
            "week. About 55 percent of our revenue comes from road transport, 20 percent from "
            "sea freight, 15 percent from customs and warehousing services and the rest from "
            "rail and air freight. Brightwell is owned by its founders' families and by a "
            "foundation that holds shares for employees; it has no plans to list its shares "
            "on a stock exchange.",
        ),
        ("h2", "Our offices"),
        (
            "table",
            "Brightwell offices and employees (1 January 2024)",
            ["Office", "Country", "Opened", "Employees", "Office lead"],
            office_rows,
        ),
        ("h1", "Your first weeks"),
        (
            "p",
            "Your first day starts at 09:00 at the reception of your office, where your "
            "manager or your mentor will meet you. You receive your badge, laptop and phone, "
            "and a checklist of what to do in your first month: the security course, the "
            "safety induction for your site, the code of conduct course, and an introductory "
            "meeting with each team you will work with. Employees who will work in a "
            "warehouse or yard spend their first two days with the site's safety coordinator "
            "before they start their normal duties.",
        ),
        (
            "p",
            "Every new employee has a probation period of six months, or the shorter period "
            "that national law allows. During probation either side may end the employment "
            "with one week's notice. Your manager will tell you at your third-month review "
            "how things are going and, at the end of probation, confirm your employment in "
            "writing. Twice a year, in February and October, new employees from all offices "
            "meet for two days in Antwerp for the Brightwell Start programme, where the "
            "executive team explains the company's strategy and every department presents "
            "its work.",
        ),
        ("h1", "Working hours"),
        (
            "p",
            "A full-time working week at Brightwell is 38 hours. Office staff work flexible "
            "hours: you may start between 07:00 and 10:00 and finish between 15:00 and 19:00, "
            "as long as you are available during the core hours of 10:00 to 15:00 and your "
            "team's service desk is covered. Operations staff, drivers and warehouse staff work "
            "to the rosters set by their team leads, which are published at least two weeks "
            "ahead.",
        ),
        (
            "p",
            "Flexible hours are recorded in the time system. You may carry a balance of up "
            "to 20 hours above or 10 hours below your contractual hours into the next month; "
            "hours above that limit lapse unless your manager has approved them as overtime "
            "in advance. Approved overtime is paid at 125 percent on weekdays and 150 percent "
            "at weekends, or taken as time off in lieu at the same rates, as you choose. "
            "Work on a public holiday is paid at 200 percent.",
        ),
        (
            "p",
            "Breaks: you must take a break of at least 30 minutes when you work more than "
            "6 hours, and of 45 minutes when you work more than 9 hours. Drivers follow the "
            "driving and rest time rules of the EU regulation, which take precedence over "
            "this handbook.",
        ),
        oskar,
        ("h1", "Leave"),
        ("h2", "Annual leave"),
        (
            "p",
            "Full-time employees earn annual leave according to their completed years of "
            "service on 1 January of each year, as shown below. Part-time employees earn leave "
            "in proportion to their hours. Leave runs from January to December; you may carry "
            "up to 5 unused days into the following year, to be taken by 31 March.",
        ),
        (
            "table",
            "Annual leave by years of service",
            ["Completed years of service", "Days of annual leave"],
            [("0 to 2", 25), ("3 to 5", 26), ("6 to 10", 28), ("11 or more", 30)],
        ),
        (
            "p",
            "Request leave in the time system at least two weeks ahead for up to three days, "
            "and at least six weeks ahead for longer periods. In the operations teams no more "
            "than a third of a team may be on leave at the same time between 1 December and "
            "the end of the year, the busiest period for most of our customers.",
        ),
        ("h2", "Sickness"),
        (
            "p",
            "If you are ill, tell your manager by phone by 09:30 on the first day, or before "
            "the start of your shift if it starts earlier. Text messages and e-mails are not "
            "enough. From the fourth consecutive day of illness you need a doctor's "
            "certificate. Brightwell pays your full salary for the first 30 days of sickness "
            "in any twelve months, on top of any statutory sick pay, and 80 percent for the "
            "following 60 days.",
        ),
        ("h2", "Family leave"),
        (
            "p",
            "A birth parent receives 16 weeks of parental leave at full pay, and the other "
            "parent, including an adoptive parent, 8 weeks at full pay, to be taken within "
            "the first year. Where national law gives more, national law applies. You may "
            "return part-time, for up to 24 hours a week, for the first six months after "
            "your leave.",
        ),
        ("h2", "Other paid leave"),
        (
            "ul",
            [
                "Moving house: 1 day a year.",
                "Your wedding or registered partnership: 2 days.",
                "Death of a partner, child or parent: 5 days; of another close relative: 2 days.",
                "Volunteering for a charity of your choice: 2 days a year, agreed with your "
                "manager.",
                "Jury service and other public duties: as long as needed, at full pay.",
            ],
        ),
        oskar,
        ("h1", "Pay and benefits"),
        (
            "p",
            "Salaries are paid monthly, on the 25th, or on the last working day before it if "
            "the 25th falls on a weekend or public holiday. In countries where it is customary "
            "(Belgium, Germany, Italy, Spain and the Netherlands) the annual salary is paid in "
            "thirteen instalments, the thirteenth with the December salary. Your payslip is "
            "available in the payroll portal two days before payday.",
        ),
        (
            "p",
            "Salaries are reviewed once a year, with effect from 1 April, on the basis of "
            "your performance review and the market rates for your role. "
            "Brightwell publishes its salary bands for every role on the intranet.",
        ),
        (
            "ul",
            [
                "Pension: Brightwell pays 6 percent of your salary into the company pension plan, "
                "and matches your own contribution up to a further 2 percent, so up to 8 percent "
                "in all.",
                "Meal vouchers: €8 for each day worked, where national law allows them.",
                "Bicycle lease: a bicycle or e-bike of up to €3,500 through a salary sacrifice "
                "scheme, with insurance and maintenance included.",
                "Public transport: the full cost of a season ticket for your commute.",
                "Health: a yearly health check and, in countries without full public cover, "
                "private "
                "health insurance for you and your family.",
                "Employee assistance: free, confidential counselling by phone, day and night, run "
                "by an outside provider.",
            ],
        ),
        (
            "p",
            "Long service is recognised: after 10 years you receive a gift voucher worth "
            "€500, after 25 years one month's extra salary and an additional week of leave in "
            "the year of the anniversary, and after 40 years a dinner with the executive team "
            "and a guest of your choice. Nobody has reached 40 years yet: driver Jan Kuipers "
            "of the Rotterdam office, who joined the founders in their first month, retired "
            "in 2022 after 35 years, the longest service in the company's history.",
        ),
        oskar,
        ("h1", "Travel and expenses"),
        (
            "p",
            "Travel only when a meeting cannot be held by video. When you do travel, choose "
            "the option that is cheapest overall, counting your time. Trains are the rule for "
            "journeys of up to 4 hours by rail. Flights of up to 6 hours are booked in economy "
            "class; for longer flights you may book premium economy. All travel is booked "
            "through the company's travel agency, which knows our negotiated rates.",
        ),
        (
            "p",
            "Hotels are booked through the travel agency up to the cap for the city in the "
            "table below. The daily allowance covers meals and small expenses; you do not "
            "need receipts for it. If a meal is provided (for example by a customer or at a "
            "conference), the allowance is reduced by a third for each meal provided.",
        ),
        (
            "table",
            "Hotel caps and daily allowances",
            ["City", "Hotel cap per night", "Daily allowance"],
            [
                ("Antwerp", "€150", "€45"),
                ("Dublin", "€190", "€55"),
                ("Hamburg", "€165", "€50"),
                ("London", "€220", "€60"),
                ("Lyon", "€140", "€45"),
                ("Milan", "€170", "€50"),
                ("Stockholm", "€190", "€55"),
                ("Warsaw", "€130", "€40"),
                ("New York", "€280", "€75"),
                ("Singapore", "€240", "€65"),
                ("Any other city", "€140", "€45"),
            ],
        ),
        (
            "p",
            "If you use your own car for business, Brightwell pays €0.42 per kilometre, plus "
            "tolls and parking. Commuting between your home and your usual office is not "
            "business travel. Claim your expenses in the expense app, with a photo of each "
            "receipt, within 60 days of the expense; claims made later are paid only with the "
            "approval of the finance director. Company credit cards are issued to employees "
            "who travel more than six times a year.",
        ),
        (
            "p",
            "Two examples. A two-day visit to a customer in Milan, with one hotel night and "
            "lunch paid by the customer on the second day, gives a daily allowance of €50 for "
            "the first day and about €33 for the second. A day trip by train from Antwerp to "
            "a conference in Lyon that provides lunch gives €30: the Lyon allowance of €45, "
            "less a third for the lunch.",
        ),
        _contact("Bettina Roux", "Finance", "bettina.roux"),
        ("h1", "IT and information security"),
        (
            "p",
            "Our customers trust us with information about their goods, their customers and "
            "their prices. Protecting it is part of everyone's job. You must complete the "
            "security course in your first month and the refresher every year.",
        ),
        (
            "ul",
            [
                "Passwords must be at least 14 characters long. Use the company password manager; "
                "never reuse a Brightwell password elsewhere.",
                "Multi-factor authentication is required for every company system.",
                "Lock your screen whenever you leave your desk (Windows key + L).",
                "Report suspicious e-mails with the Report button in Outlook, or forward them to "
                "security@brightwell.example. You will never be blamed for reporting a real "
                "message by mistake.",
                "Report a lost or stolen laptop or phone to the IT service desk within 4 hours, "
                "day or night, so that it can be locked and wiped.",
                "Do not install software that the IT catalogue does not offer; ask the service "
                "desk instead.",
            ],
        ),
        (
            "p",
            "Laptops are replaced every 4 years and phones every 3 years. Customer data may be "
            "stored only in the company's systems, never on personal devices, USB sticks or "
            "private cloud accounts. Use of company equipment for private purposes is allowed "
            "within reason, but the company may inspect its systems when it has a specific "
            "reason to suspect misuse, and will then involve the works council where there "
            "is one.",
        ),
        _contact("Kwame Asante", "IT", "kwame.asante"),
        ("h1", "Working from home"),
        (
            "p",
            "Office staff may work from home for up to three days a week, agreed with their "
            "manager. Teams agree one day a week on which everyone is in the office. Working "
            "from another country is allowed for up to 20 working days a year, because longer "
            "periods can create tax and social security obligations; ask the People Team "
            "first.",
        ),
        (
            "p",
            "Brightwell provides a laptop, a headset and a screen for home use, and pays a "
            "one-time equipment budget of €400 for a desk and chair, and a monthly allowance "
            "of €35 towards electricity, heating and internet. Your home workplace must meet "
            "the checklist on the intranet; the health and safety team will advise you if "
            "you are unsure. Confidential papers must not be printed at home.",
        ),
        _contact("Kwame Asante", "IT", "kwame.asante"),
        ("h1", "Learning and development"),
        (
            "p",
            "Every employee has a learning budget of €1,200 a year for courses, conferences "
            "and certificates related to their work, and up to 5 days of study leave a year "
            "for exams and courses. Unused budget cannot be carried over. For longer "
            "programmes such as a part-time degree, Brightwell may pay more under a study "
            "agreement; if you leave within two years of finishing, you repay part of the "
            "cost.",
        ),
        (
            "p",
            "New employees are paired with a mentor from another team for their first six "
            "months through our Compass programme. Forklift and reach-truck licences, "
            "dangerous goods (ADR) certificates and customs qualifications are paid for in "
            "full and do not count against your learning budget.",
        ),
        (
            "p",
            "English is the company's working language between offices. Employees who need "
            "to improve their English, or to learn the language of the country they work in, "
            "may take language lessons in working time, up to two hours a week, paid from a "
            "separate budget. The learning platform on the intranet offers more than 400 "
            "online courses, from spreadsheet skills to customs law, free of charge.",
        ),
        _contact("Aylin Demir", "Learning and Development", "aylin.demir"),
        ("h1", "Performance reviews"),
        (
            "p",
            "You and your manager meet twice a year, in March and September, to review your "
            "work, agree goals for the next six months and talk about your development. The "
            "March review includes a rating on a five-point scale, from 1 (does not meet "
            "expectations) to 5 (far exceeds expectations), which is used in the salary "
            "review on 1 April. Employees in their probation period have a review at the end "
            "of their third month instead.",
        ),
        (
            "p",
            "If you disagree with your rating, you may ask your manager's manager to review "
            "it within 14 days; the People Team attends that meeting if you wish.",
        ),
        oskar,
        ("h1", "Health and safety"),
        (
            "p",
            "Our warehouses and yards are busy places with moving vehicles. In every "
            "warehouse and yard, wear the high-visibility vest and safety shoes provided, "
            "walk only on marked pedestrian routes, and never walk behind a reversing "
            "vehicle. Only staff with a valid licence may drive a forklift or reach truck, "
            "and only after the site's own induction.",
        ),
        (
            "p",
            "Report every accident, near miss and unsafe situation in the safety app within "
            "24 hours, even when nobody was hurt. Each site has at least one trained first "
            "aider for every 50 people on site and an evacuation drill twice a year. Alcohol "
            "and drugs are forbidden at work; drivers and forklift operators may be tested.",
        ),
        (
            "p",
            "Fatigue causes more serious accidents on the road than any other single factor. "
            "Planners must never schedule a trip that can only be completed by breaking the "
            "driving and rest time rules, and a driver who feels too tired to drive safely "
            "must stop, tell the planning desk and rest, without any consequence for their pay "
            "or their record. Every lorry carries a spill kit, a fire extinguisher and a first "
            "aid kit, which the driver checks before each trip.",
        ),
        _contact("Greta Van Damme", "Health and Safety", "greta.vandamme"),
        ("h1", "Company vehicles"),
        (
            "p",
            "Company cars are provided to employees whose role requires regular travel to "
            "customers, and to managers from grade 7 upwards. The car policy on the intranet "
            "lists the models available for each grade; all new company cars are fully "
            "electric, and a charging point at home is installed at the company's expense. "
            "Private use is allowed within the country of your office and is taxed as a "
            "benefit in kind under national rules.",
        ),
        (
            "p",
            "You must hold a valid driving licence and report any driving ban or endorsement "
            "to the fleet team within 7 days. Fines for traffic offences are your own "
            "responsibility. Report damage to a company vehicle within 24 hours in the fleet "
            "app, with photographs. Lorries, vans and yard tractors are assigned by the "
            "operations teams and may be driven only by staff holding the right licence "
            "category and the driver qualification card.",
        ),
        _contact("Marco Bellini", "Fleet", "marco.bellini"),
        ("h1", "Respect at work"),
        (
            "p",
            "Brightwell employs people of more than forty nationalities. We do not tolerate "
            "discrimination, harassment or bullying because of anyone's sex, gender identity, "
            "sexual orientation, ethnic origin, religion, disability, age or any other "
            "personal characteristic, whether by colleagues, customers or suppliers. This "
            "applies at work, at company events and online.",
        ),
        (
            "p",
            "If you experience or witness such behaviour, tell your manager, the People Team "
            "or one of the trained confidential advisers listed on the intranet; you may also "
            "use the ClearVoice speak-up line described in the code of conduct. Every report "
            "is taken seriously, investigated promptly and handled confidentially. Managers "
            "complete the respect-at-work course within their first three months in the "
            "role.",
        ),
        oskar,
        ("h1", "Data protection"),
        (
            "p",
            "We process personal data about our employees, our customers' contacts and the "
            "recipients of the goods we carry. Use personal data only for the purpose for "
            "which it was collected, keep only what you need, and delete it when the "
            "retention period in the records schedule ends. Shipment records are kept for "
            "7 years because of customs and tax rules; recruitment files of unsuccessful "
            "candidates for 6 months.",
        ),
        (
            "p",
            "If you suspect that personal data has been lost, sent to the wrong person or "
            "accessed by someone who should not see it, report it to the data protection "
            "officer at once: the company must in many cases notify the supervisory authority "
            "within 72 hours. You have the right to see the data Brightwell holds about you; "
            "ask the People Team.",
        ),
        _contact("Imran Siddiqui", "Legal", "imran.siddiqui"),
        ("h1", "Code of conduct"),
        (
            "p",
            "We compete hard and fairly. You may not offer or accept bribes of any kind, and "
            "you may accept gifts and hospitality from customers and suppliers only up to a "
            "value of €50 per occasion; anything more must be declined politely or reported "
            "to Legal. Tell your manager and Legal about any conflict of interest, such as a "
            "relative who works for a supplier or a competitor.",
        ),
        (
            "p",
            "If you see something that is wrong, speak up: to your manager, to Legal or, "
            "anonymously if you prefer, through the ClearVoice speak-up line, which an "
            "outside company runs for us by phone and online in all our languages. Nobody who "
            "reports a concern in good faith will suffer for it.",
        ),
        _contact("Imran Siddiqui", "Legal", "imran.siddiqui"),
        ("h1", "Communication and company events"),
        (
            "p",
            "The intranet, Brightside, is where you find news, policies, forms and the staff "
            "directory; the most important news is also sent by e-mail. Every quarter the "
            "chief executive holds a town hall meeting, streamed to all offices, with a report "
            "on the company's results and an open round of questions, which may be asked "
            "anonymously. The results for the full year are presented at the town hall in "
            "March.",
        ),
        (
            "p",
            "Each office holds a summer party and an end-of-year dinner paid for by the "
            "company. Every second year, in June, all employees are invited to the Brightwell "
            "Company Day, held in a different country each time; the next one is planned for "
            "June 2025 in Gdańsk. Do not speak to journalists about Brightwell or its "
            "customers; refer them to the communications team. On social media, make clear "
            "that your views are your own and never share information about customers or "
            "shipments.",
        ),
        _contact("Sanne Verhoeven", "Communications", "sanne.verhoeven"),
        ("h1", "Leaving Brightwell"),
        (
            "p",
            "The notice periods below apply unless your contract or national law requires "
            "longer. Put your resignation in writing to your manager and the People Team.",
        ),
        (
            "table",
            "Notice periods",
            ["Situation", "Notice by the employee", "Notice by Brightwell"],
            [
                ("During probation", "1 week", "1 week"),
                ("Less than 5 years of service", "1 month", "1 month"),
                ("5 to 10 years of service", "1 month", "2 months"),
                ("More than 10 years of service", "2 months", "3 months"),
            ],
        ),
        (
            "p",
            "Return your laptop, phone, badge, company credit card and any other company "
            "property within 5 working days of your last day. Unused annual leave is paid out "
            "with your final salary. You will be invited to an exit interview; we use what "
            "we learn to make Brightwell a better place to work.",
        ),
        oskar,
    ]
    number = 0
    for i, block in enumerate(blocks):
        if block[0] == "h1":
            number += 1
            blocks[i] = ("h1", f"{number}. {block[1]}")
    return blocks


# ---------------------------------------------------------------------------------------------
# 4. Port of Saltmere Harbour Board minutes, 2023 (plain text, one meeting per page)
# ---------------------------------------------------------------------------------------------

BOARD = [
    "Agnes Thornbury (Chair)",
    "Rui Ferreira (Vice-Chair)",
    "Helena Marsh",
    "Obi Nwachukwu",
    "Sigrid Aalto",
]
# Port statistics reported at each meeting, for the month before it:
# cargo vessel arrivals, fish landed (tonnes), cruise ship calls, visiting yacht nights.
PORT_STATS = {
    "December 2022": (41, 312, 0, 35),
    "January 2023": (38, 298, 0, 22),
    "February 2023": (36, 341, 0, 28),
    "March 2023": (44, 405, 1, 96),
    "April 2023": (47, 388, 3, 240),
    "May 2023": (52, 362, 5, 610),
    "June 2023": (49, 330, 7, 1180),
    "July 2023": (46, 295, 9, 1720),
    "August 2023": (50, 310, 8, 1940),
    "September 2023": (53, 356, 6, 820),
    "October 2023": (48, 402, 2, 260),
    "November 2023": (45, 371, 0, 74),
}

# date, place, absent (by surname), chair if not the Chair, month reported, items (paragraphs)
MEETINGS = [
    (
        "Thursday 26 January 2023",
        "the Harbour Office boardroom, West Quay",
        [],
        None,
        "December 2022",
        "19:40",
        [
            "North Channel depth. The Harbour Master reported that the January survey found a "
            "least depth of 6.1 metres at low water in the North Channel, against a charted depth "
            "of 7.5 metres, because of silt brought down by the autumn floods on the river Sal. "
            "Until the channel is dredged, vessels drawing more than 6.0 metres may enter or leave "
            "only within two hours of high water. Resolved, on the motion of Commissioner Marsh, "
            "seconded by Commissioner Aalto, that staff prepare tender documents for maintenance "
            "dredging of the North Channel. Carried 5-0.",
            "Budget 2023. The Finance Officer, Tobias Grange, presented the operating budget for "
            "2023 of €4.62 million adopted in December. The Board noted it.",
            "Pier 3 lighting. Resolved, on the motion of the Vice-Chair, seconded by Commissioner "
            "Nwachukwu, that the floodlights on Pier 3 be replaced with LED fittings at a cost of "
            "€38,500 from the minor works budget. Carried 5-0.",
            "Correspondence. A letter from the Saltmere Rowing Club, asking to use the disused "
            "lifeboat slip at the foot of Harbour Row for a new boathouse, was referred to the "
            "Harbour Master for a report on the condition of the slip and the terms of a lease.",
        ],
    ),
    (
        "Thursday 23 February 2023",
        "the Harbour Office boardroom, West Quay",
        ["Ferreira"],
        None,
        "January 2023",
        "20:05",
        [
            "Berthing fees. The Finance Officer proposed an increase of 6 percent in berthing and "
            "mooring fees from 1 April to meet higher costs for electricity and insurance. "
            "Commissioner Nwachukwu moved the increase, seconded by Commissioner Aalto. "
            "Commissioner Marsh said that the fishing fleet had not been consulted and that an "
            "increase above inflation would drive visiting yachts to Port Cullen. The motion was "
            "defeated 1-3, Commissioner Nwachukwu voting in favour. The Chair asked staff to "
            "consult the harbour users and bring a revised proposal.",
            "Ice plant. The Saltmere Fishermen's Cooperative asked for help to repair the ice "
            "plant "
            "on the fish quay, which failed in January. Resolved that the Board contribute €12,000 "
            "towards the repair. Carried 4-0.",
            "Public hearing. The Board agreed to hold its March meeting at Saltmere Town Hall as a "
            "public hearing on harbour fees and on the dredging plans.",
            "Storm damage. Storm Ingrid on 8 February damaged the outer end of the breakwater, "
            "where "
            "about 30 metres of the parapet wall lost its capping stones. The Harbour Master has "
            "closed the outer breakwater walk to the public and made a temporary repair. A "
            "permanent repair is estimated at €64,000 and will be brought to the April meeting.",
        ],
    ),
    (
        "Thursday 30 March 2023",
        "Saltmere Town Hall, Market Square (public hearing)",
        [],
        None,
        "February 2023",
        "21:15",
        [
            "Public hearing. Twenty-three members of the public attended and seven spoke. Four "
            "speakers from the fishing fleet opposed any fee increase this year; two yacht club "
            "members asked for better showers and Wi-Fi at the marina; one resident of Harbour Row "
            "complained about noise from jet skis in the inner harbour on summer evenings. The "
            "Chair thanked the speakers and said their views would be considered in April.",
            "Dredging tender. The Harbour Master reported that the tender for maintenance dredging "
            "of the North Channel was issued on 20 March 2023 and closes on 28 April. About 38,000 "
            "cubic metres of silt are to be removed and disposed of at the licensed offshore "
            "site.",
            "Annual report. Resolved that the Annual Report for 2022 be approved and published. "
            "Total revenue in 2022 was €4.38 million, of which berthing and mooring fees were "
            "€1.92 million. Carried 5-0.",
            "Rowing Club. The Harbour Master reported that the old lifeboat slip is sound and "
            "could "
            "be leased to the Saltmere Rowing Club for 25 years at a nominal rent, provided the "
            "club maintains the slip and gives the harbour staff access in an emergency. Resolved "
            "that the lease be offered on these terms. Carried 5-0.",
        ],
    ),
    (
        "Thursday 27 April 2023",
        "the Harbour Office boardroom, West Quay",
        ["Nwachukwu"],
        None,
        "March 2023",
        "19:55",
        [
            "Berthing fees. Following consultation with the harbour users, the Finance Officer "
            "proposed an increase of 4.5 percent from 1 June 2023, with fees for vessels of the "
            "Saltmere fishing fleet frozen until 2024. Resolved, on the motion of the Chair, "
            "seconded by the Vice-Chair, that the revised fees be adopted. Carried 3-1, "
            "Commissioner Marsh voting against.",
            "Patrol boat. Resolved that the Board buy a new harbour patrol boat, to be named "
            "Saltmere Guardian, from Lerwick Workboats for €186,000, replacing the launch Osprey, "
            "which has served since 1994. Carried 4-0.",
            "Breakwater repair. Resolved that the permanent repair of the breakwater parapet be "
            "awarded to Harbourside Civils, the lowest of three quotations, for €61,750. The "
            "breakwater walk will reopen when the work is finished. Carried 4-0.",
            "Jet skis. The Harbour Master will draft a bylaw setting a speed limit of 5 knots in "
            "the inner harbour for all vessels, including personal watercraft.",
        ],
    ),
    (
        "Thursday 25 May 2023",
        "the Harbour Office boardroom, West Quay",
        [],
        None,
        "April 2023",
        "20:30",
        [
            "Dredging bids. The Secretary reported that three bids were received by the closing "
            "date: Tidewell Marine, €2,840,000; Kerrigan Dredging, €2,610,000; and Baltic Silt "
            "Solutions, €3,050,000. An evaluation panel of the Harbour Master, the Finance Officer "
            "and an independent engineer will score the bids on price, method, environmental "
            "protection and programme, and report to the June meeting.",
            "Cruise season. The first cruise ship of the season, the Nordic Star, called on 11 "
            "April with 640 passengers. Nineteen further calls are booked for the season. The "
            "Chair thanked the volunteers of the Saltmere Welcome Group.",
            "Marina facilities. Resolved that €22,000 be spent on refurbishing the marina showers "
            "and installing public Wi-Fi on the visitor pontoons before July. Carried 5-0.",
            "Staff. The Board welcomed Ms Aoife Brennan, who joined the harbour staff as Deputy "
            "Harbour Master on 2 May, having served for nine years as a pilot at the Port of "
            "Galway.",
        ],
    ),
    (
        "Thursday 29 June 2023",
        "the Harbour Office boardroom, West Quay",
        ["Thornbury"],
        "Rui Ferreira",
        "May 2023",
        "19:50",
        [
            "Dredging contract. The evaluation panel ranked Kerrigan Dredging first on price and "
            "programme and Tidewell Marine first on environmental protection. Resolved, on the "
            "motion of Commissioner Nwachukwu, seconded by Commissioner Aalto, that the contract "
            "for maintenance dredging of the North Channel be awarded to Kerrigan Dredging for "
            "€2,610,000. Carried 3-1, Commissioner Marsh voting against. Work will start in "
            "September, after the busiest weeks of the yachting season.",
            "Speed limit bylaw. Resolved that the Inner Harbour Speed Limit Bylaw 2023, setting a "
            "limit of 5 knots for all vessels, be adopted, to take effect on 1 August. Carried "
            "4-0.",
        ],
    ),
    (
        "Thursday 27 July 2023",
        "the Harbour Office boardroom, West Quay",
        ["Ferreira"],
        None,
        "June 2023",
        "19:35",
        [
            "Cruise terminal study. The Harbour Master said that cruise lines have asked whether "
            "larger ships, which now anchor in the bay and land passengers by tender, could come "
            "alongside. Resolved that Harrow & Pike Consulting be commissioned to study the "
            "feasibility of a cruise berth, at a fee of €48,000, and report by December. Carried "
            "4-0.",
            "Breakwater. The Harbour Master reported that Harbourside Civils completed the repair "
            "of the breakwater parapet on 16 June, ahead of programme and within the price, and "
            "that the breakwater walk has reopened. The Coast Guard will hold a search and rescue "
            "exercise off the harbour mouth on 8 July.",
            "Fuel dock hours. Commissioner Aalto moved that the fuel dock stay open until 22:00 "
            "in July and August. The Harbour Master advised that this would need a second "
            "attendant and cost about €9,000 a season. The motion was defeated 1-3.",
            "Summer festival. The Board noted that the Saltmere Sea Festival on 19 and 20 August "
            "will close the East Quay car park for two days.",
            "Rowing Club. The lease of the old lifeboat slip to the Saltmere Rowing Club was "
            "signed on 10 July. The club will apply for planning permission for its boathouse "
            "this winter and hopes to build it in 2024.",
        ],
    ),
    (
        "Thursday 31 August 2023",
        "the Harbour Office boardroom, West Quay",
        ["Aalto"],
        None,
        "July 2023",
        "20:10",
        [
            "Oil spill. The Harbour Master reported that on 14 August about 400 litres of marine "
            "diesel escaped from the fishing vessel Morning Tern while she was refuelling at "
            "Pier 3. Harbour staff closed the inner harbour, deployed booms within 40 minutes and "
            "recovered most of the diesel with skimmers; the shore and the slipway were cleaned "
            "over the next three days. The cost of €23,400 will be recovered from the vessel "
            "owner's insurer. The Board thanked the harbour staff and the Coast Guard.",
            "Spill response. Resolved that the oil spill response plan be reviewed by an outside "
            "expert and that a second boom trailer be bought for €14,000. Carried 4-0.",
            "Sea Festival. The Secretary reported that about 15,000 people attended the Sea "
            "Festival and that no incidents were recorded on the water.",
            "Marina. The marina had its busiest night on record on 19 August, during the Sea "
            "Festival, with 94 visiting yachts berthed.",
        ],
    ),
    (
        "Thursday 28 September 2023",
        "the Harbour Office boardroom, West Quay",
        ["Aalto"],
        None,
        "August 2023",
        "19:25",
        [
            "Dredging. Kerrigan Dredging began work in the North Channel on 11 September with the "
            "trailing suction hopper dredger Ballycastle. Work is on programme. Vessels are asked "
            "to keep clear of the dredger, which shows the lights and shapes for a vessel "
            "restricted in her ability to manoeuvre.",
            "Finance. The Finance Officer reported revenue of €3.11 million to the end of August, "
            "2 percent ahead of budget, mostly because of the strong yachting season.",
            "Patrol boat. The Saltmere Guardian was delivered on 15 September and entered service "
            "after crew training. The old launch Osprey will be offered to the Sea Scouts.",
            "Harbour users' forum. The autumn forum for harbour users will be held on 12 October "
            "at the Harbour Office. The Vice-Chair will chair it.",
        ],
    ),
    (
        "Thursday 26 October 2023",
        "the Harbour Office boardroom, West Quay",
        [],
        None,
        "September 2023",
        "20:45",
        [
            "Fish market. Resolved that the fish market hall be refurbished, with a new roof, "
            "insulated floors and chilled display areas, at a cost of €310,000, half of it paid "
            "by the regional fisheries fund. Carried 5-0.",
            "Harbour Master. Captain Lorcan Doyle announced that he will retire on 31 March 2024 "
            "after nineteen years as Harbour Master. The Chair paid tribute to his service. "
            "Resolved that a recruitment panel of the Chair, Commissioner Marsh and Commissioner "
            "Nwachukwu be appointed to recruit his successor. Carried 5-0.",
            "Jet skis. Commissioner Marsh moved that personal watercraft be banned from the inner "
            "harbour altogether. Other members preferred to see how the speed limit works over a "
            "full season. The motion was defeated 1-4.",
            "Harbour users' forum. The Vice-Chair reported on the forum of 12 October, attended by "
            "31 harbour users. Their main concerns were parking on the fish quay, the worn "
            "gangway to the marina pontoons and the price of diesel at the fuel dock. Staff will "
            "report on each at the next meeting.",
        ],
    ),
    (
        "Thursday 30 November 2023",
        "the Harbour Office boardroom, West Quay",
        ["Ferreira"],
        None,
        "October 2023",
        "19:30",
        [
            "Dredging completed. The Harbour Master reported that dredging of the North Channel "
            "was completed on 17 November. The survey of 20 November confirmed a least depth of "
            "7.5 metres at low water, and the tidal restriction on deep-draught vessels has been "
            "lifted. The final cost was €2,587,000, below the contract price, because less rock "
            "was found than expected near the channel's outer end.",
            "Budget 2024. The Finance Officer presented a draft operating budget for 2024 of "
            "€4.85 million, to be adopted in December after comments from the harbour users.",
            "Harbour Master recruitment. Eleven applications were received; four candidates will "
            "be interviewed on 11 and 12 January 2024.",
            "Marina gangway. Following the users' forum, resolved that the gangway to the marina "
            "pontoons be replaced before the 2024 season at a cost of €28,000. Carried 4-0. Staff "
            "reported that fish quay parking will be marked out in January and that the fuel "
            "dock's prices are set weekly from the supplier's price plus a fixed margin.",
        ],
    ),
    (
        "Thursday 14 December 2023",
        "Saltmere Town Hall, Market Square (annual public meeting)",
        [],
        None,
        "November 2023",
        "21:30",
        [
            "Cruise terminal study. Ms Petra Lindgren of Harrow & Pike Consulting presented the "
            "study. It recommends a floating pontoon berth at the East Quay able to take ships of "
            "up to 250 metres, at an estimated cost of €6.2 million, and forecasts up to 60 calls "
            "a year by 2030. Resolved that staff seek grant funding for the berth and report "
            "back. Carried 5-0.",
            "Budget 2024. Resolved that the operating budget for 2024 of €4.85 million be "
            "adopted. Carried 4-1, Commissioner Marsh voting against because of the cost of the "
            "cruise berth work.",
            "The year. The Chair thanked the members, the staff and the harbour users for a year "
            "in which the channel was restored, the patrol boat replaced and the port's busiest "
            "yachting season recorded. The next meeting will be held on Thursday 25 January 2024.",
            "Long service. The Board presented a certificate to Mr Dermot Quill, crane driver, who "
            "retires at the end of the year after 41 years at the port, and wished him well.",
        ],
    ),
]


# "Any other business" at the end of each meeting, in the order of MEETINGS.
OTHER_BUSINESS = [
    "Commissioner Aalto asked that the winter opening hours of the public slipway be published "
    "on the Board's website and at the slipway itself. The Secretary will arrange both.",
    "The Harbour Master reported that the Skerry Rocks buoy was dragged out of position by the "
    "storm and was re-laid by the lighthouse authority's tender on 14 February. A notice to "
    "mariners was issued in the meantime.",
    "The Finance Officer reported that the harbour's insurance was renewed from 1 April at a "
    "premium of €212,000, eleven percent more than last year, mainly because of the cost of "
    "storm damage claims across the industry.",
    "Commissioner Marsh asked for a report on the surface of the fish quay, which fishermen say "
    "is slippery in wet weather. The Harbour Master will report in June.",
    "The Secretary reported that the auditors, Carrick & Lowe, have completed the audit of the "
    "2022 accounts and given an unqualified opinion. The accounts will be published with the "
    "annual report.",
    "The Harbour Master reported that the fish quay will be given a non-slip surface in the "
    "first week of October, when landings are usually lowest, at a cost of €17,500 from the "
    "maintenance budget.",
    "The Harbour Master reported that the new online booking system for visiting yachts has "
    "taken 1,150 bookings since it opened in April, and that most visitors now pay before they "
    "arrive.",
    "Commissioner Nwachukwu asked that the Board write to thank the crew of the lifeboat Spirit "
    "of Saltmere, who rescued two kayakers in difficulty off the breakwater on 6 August. Agreed.",
    "The Secretary reported that the Board's website has moved to a new host and now shows live "
    "tide times, the berths free at the marina and the dates of the Board's meetings.",
    "The Harbour Master reported that the non-slip resurfacing of the fish quay was completed on "
    "6 October, within its budget, and thanked the fishermen for moving their gear at short "
    "notice.",
    "The Chair reminded members that the December meeting is the annual public meeting and "
    "will start an hour later than usual, at 19:00, so that more harbour users can attend.",
    "Members thanked the Secretary, Maeve Kinsella, for organising the annual public meeting "
    "and for her work on the Board's new website during the year. The Chair wished everyone "
    "present, and all who work in and around the harbour, a peaceful Christmas and a safe new "
    "year at sea.",
]


def minutes_document():
    blocks = [
        ("title", "Port of Saltmere Harbour Board - Minutes of meetings, 2023"),
        (
            "p",
            "Approved minutes of the twelve regular meetings of the Port of Saltmere Harbour "
            "Board held in 2023. Members of the Board: " + ", ".join(BOARD) + ". Officers in "
            "attendance: Captain Lorcan Doyle, Harbour Master; Tobias Grange, Finance "
            "Officer; Maeve Kinsella, Board Secretary, who took these minutes. Each meeting "
            "starts on a new page.",
        ),
        (
            "p",
            "The Port of Saltmere Harbour Board is the harbour authority for the port and its "
            "approaches under the Saltmere Harbour Order. Its five members are appointed by "
            "the county council for terms of four years: two on the nomination of the harbour "
            "users, one on that of the town council and two after public advertisement. The "
            "Board meets on the last Thursday of each month except December, when the date is "
            "moved to avoid the holidays, and holds an annual public meeting in the town each "
            "December. Members are not paid a salary but receive an allowance of €2,400 a "
            "year, and must declare any interest in a matter before the Board and take no "
            "part in the vote on it. Three members form a quorum. Decisions are taken by a "
            "majority of the members present and voting; the person in the chair has a "
            "second, casting vote if the votes are equal. Draft minutes are circulated within "
            "ten days and approved at the next meeting, and the approved minutes are "
            "published on the Board's website and kept at the Harbour Office, where anyone "
            "may read them during office hours. Papers referred to in the minutes, such as "
            "the Harbour Master's reports and the Finance Officer's budgets, may be obtained "
            "from the Secretary.",
        ),
        ("break",),
    ]
    previous = "Thursday 15 December 2022"
    for n, (date, place, absent, chair, month, closed, items) in enumerate(MEETINGS, 1):
        present = [m for m in BOARD if m.split(" (")[0].split()[-1] not in absent]
        missing = [m.split(" (")[0] for m in BOARD if m.split(" (")[0].split()[-1] in absent]
        ships, fish, cruise, yachts = PORT_STATS[month]
        start = "19:00" if "Town Hall" in place else "18:00"
        chair_line = (
            f"{chair}, Vice-Chair, took the chair in the absence of the Chair."
            if chair
            else "Agnes Thornbury, Chair, presided."
        )
        blocks += [
            ("h1", f"Meeting {n}: {date}"),
            ("p", f"Held at {place}, starting at {start}. {chair_line}"),
            (
                "p",
                "Present: "
                + ", ".join(present)
                + ". Absent with apologies: "
                + (", ".join(missing) if missing else "none")
                + ".",
            ),
            (
                "p",
                f"Minutes. The minutes of the meeting of {previous} were approved as a true "
                "record.",
            ),
            (
                "p",
                f"Harbour Master's report. Captain Doyle presented the port statistics for "
                f"{month}:",
            ),
            (
                "table",
                f"Port statistics, {month}",
                ["Measure", "Count"],
                [
                    ("Cargo vessel arrivals", ships),
                    ("Fish landed (tonnes)", fish),
                    ("Cruise ship calls", cruise),
                    ("Visiting yacht nights", yachts),
                ],
            ),
        ]
        blocks += [("p", item) for item in items]
        blocks += [
            ("p", "Any other business. " + OTHER_BUSINESS[n - 1]),
            ("p", f"The meeting closed at {closed}."),
            ("break",),
        ]
        previous = date
    return blocks[:-1]


# ---------------------------------------------------------------------------------------------
# 5. Ashcombe on the Wend, a short history (EPUB, one chapter per page)
# ---------------------------------------------------------------------------------------------

ASHCOMBE_CENSUS = [
    (1801, "1,240"),
    (1821, "1,870"),
    (1851, "3,980"),
    (1881, "5,320"),
    (1901, "6,215"),
    (1931, "7,480"),
    (1951, "8,870"),
    (1971, "10,110"),
    (1991, "11,430"),
]


def chronicle_document():
    blocks = [
        ("title", "Ashcombe on the Wend: A Short History, 1742-1998"),
        ("h1", "Preface"),
        (
            "p",
            "This little book was written by members of the Ashcombe Local History Society to "
            "mark the society's twenty-fifth year. It does not pretend to be a complete "
            "history of the town. We have tried instead to tell, in order, the events that "
            "made Ashcombe what it is: the crossing that gave it a reason to exist, the mills "
            "that made it prosper, the river that has so often tried to take it back, and the "
            "people who lived, worked and argued here.",
        ),
        (
            "p",
            "Our sources are the parish registers, the borough minute books kept at the county "
            "record office, the files of the Wend Valley Gazette from 1851, and the memories "
            "of many older residents who talked to us between 1995 and 1998. Where sources "
            "disagree we say so. Any mistakes are ours, and we will be glad to hear of them "
            "at our meetings in the Haverstock Museum on the first Tuesday of each month.",
        ),
        (
            "p",
            "The chapters were drafted by different members and edited by our secretary, "
            "Joan Whitlow, who also chose the photographs for the exhibition that accompanies "
            "this book. We thank the staff of the county record office, the editor of the "
            "Wend Valley Gazette for the use of the newspaper's files, and the Haverstock "
            "Museum, which gave us a room to work in for three winters. The book is dedicated "
            "to the memory of our founder, the schoolmaster Geoffrey Lake, who began "
            "collecting Ashcombe's history in 1962 and did not live to see it printed.",
        ),
        ("h1", "Chapter. The ferry"),
        (
            "p",
            "Before there was a town there was a ford. The River Wend, wide and slow below "
            "the chalk hills, could be waded at Ashcombe in a dry summer, and the drovers "
            "taking cattle from the western pastures to the London markets had crossed here "
            "for centuries. In wet seasons, which in this valley means most of them, the ford "
            "was impassable, and drovers waited for days at the village of a dozen cottages "
            "that stood on the north bank.",
        ),
        (
            "p",
            "In 1742 Josiah Pell, a carter from the nearby village of Thorne, saw his chance. "
            "He bought a flat-bottomed boat large enough for a cart and two horses, leased "
            "the landing on the south bank from the lord of the manor, and began to carry "
            "travellers across at any season for a penny a person and fourpence a cart. The "
            "ferry prospered. In 1748 Pell built an inn beside the north landing, the Ferry "
            "Inn, which still stands, though much altered, at the bottom of Bridge Street.",
        ),
        (
            "p",
            "Pell was a restless man. In 1760 he built a corn mill on the Marle Brook, the "
            "little stream that joins the Wend just below the ferry, so that the farmers who "
            "came to cross could also have their grain ground. By the time he died in 1767 "
            "the village had grown to some forty houses, a smithy, two inns and a weekly "
            "market held on the green in front of the Ferry Inn. His gravestone in the "
            "churchyard of St Aldhelm's calls him simply 'Josiah Pell, Ferryman of this "
            "Parish'.",
        ),
        ("h1", "Chapter. The bridge"),
        (
            "p",
            "The ferry could not carry the growing traffic, and in 1768 the leading men of the "
            "village raised money by subscription for a timber bridge. It was built in a "
            "single summer on oak piles driven into the river bed, and a toll of a halfpenny "
            "was charged for each person on foot to repay the subscribers. Pell's son "
            "Nathaniel, whose ferry the bridge made worthless, was given the post of toll "
            "keeper by way of compensation.",
        ),
        (
            "p",
            "The bridge lasted only three years in its first form. In February 1771, after "
            "weeks of rain and a sudden thaw of snow on the hills, the Wend rose higher than "
            "anyone could remember. The flood swept away the middle span of the bridge, "
            "drowned the cattle on the water meadows and filled the Ferry Inn to the height "
            "of its bar. The span was rebuilt in 1773, higher than before, and the subscribers "
            "had to wait another twenty years for their money.",
        ),
        (
            "p",
            "In the last years of the century the valley's sheep farmers found a new market "
            "close to home. In 1801 Silas Crane, a clothier from the West Riding, founded the "
            "woollen mill of Crane & Sons on the Marle Brook above Pell's corn mill. Its "
            "water wheel drove carding engines and spinning jennies, and by 1810 it employed "
            "more than a hundred people, many of them children. The mill's bell, rung at "
            "half past five each morning, became the town's clock.",
        ),
        ("h1", "Chapter. The river trade"),
        (
            "p",
            "For eighty years the Wend itself was Ashcombe's main road to the world. In 1776 "
            "the Wend Navigation Company built four locks between Ashcombe and the tidal river "
            "at Kingsmere, and barges of up to forty tons could reach the town wharf below the "
            "bridge. They brought coal, timber, slate and groceries, and took away grain, "
            "flour, wool and, later, cloth from the Crane mill. The wharf, with its crane, "
            "warehouses and the Navigation Inn, was the busiest place in the town.",
        ),
        (
            "p",
            "The bargemen were a community of their own, often living aboard with their "
            "families, and the town's magistrates spent much of their time on their quarrels. "
            "The wharf books, which survive at the county record office, record the names of "
            "the barges that traded most often: the Industry, the Two Sisters, the Hopewell "
            "and the Ashcombe Trader, which was owned by the Pell family and carried their "
            "flour to Kingsmere every week for thirty years.",
        ),
        (
            "p",
            "Trade on the river reached its peak in the 1830s, when more than three thousand "
            "barge journeys a year passed through the lowest lock. The railway ended it "
            "within a decade of its arrival. The Navigation Company's tolls fell by nine "
            "tenths, the locks decayed, and the last commercial barge reached the town wharf "
            "in 1861. The warehouses were pulled down in the 1930s, and the Navigation Inn "
            "became a private house, though its painted sign can still be made out on the "
            "wall above the door.",
        ),
        ("h1", "Chapter. Fire and stone"),
        (
            "p",
            "On the night of 3 March 1812 a fire started in a bakehouse on Tanner's Row, the "
            "narrow street of timber and thatch that ran from the market place down to the "
            "river. Driven by a strong east wind, it burned for nine hours. Forty houses were "
            "destroyed and more than two hundred people made homeless, though by good fortune "
            "nobody died. The parish fire engine, kept in the church porch, was found to have "
            "a split hose. After the fire the vestry forbade thatched roofs within the town, "
            "and Tanner's Row was rebuilt in brick and slate, much as it stands today.",
        ),
        (
            "p",
            "The timber bridge was by then rotten, and in 1823 it was replaced by a stone "
            "bridge of five arches designed by the engineer Thomas Elderkin, who had built "
            "canal aqueducts in the Midlands. Elderkin insisted on deep foundations and on "
            "cutwaters shaped to part floodwater, and he was proved right within a year. In "
            "November 1824 the Wend flooded again, nearly as high as in 1771; the water "
            "rose to the crown of the arches but the bridge stood, and Elderkin's bridge "
            "carries the traffic of the town to this day.",
        ),
        (
            "p",
            "The town's first school for poor children, the National School, opened in 1835 "
            "in a plain brick building beside the church, with a hundred and twenty pupils "
            "and a single master. Many children still left at eight or nine to work at the "
            "Crane mill, and the master's log book records, year after year, that attendance "
            "fell away at harvest time.",
        ),
        ("h1", "Chapter. The borough"),
        (
            "p",
            "Ashcombe received its charter as a borough in 1836, under the reforms that swept "
            "away the old closed corporations. The first council of twelve was elected in "
            "December, and its first mayor was Edmund Crane, the son of the mill's founder, "
            "who had inherited the business in 1829. The council's first acts were to light "
            "the market place with oil lamps, to appoint a night watchman and to forbid the "
            "slaughter of animals in the public streets.",
        ),
        (
            "p",
            "In 1841 the borough built a corn exchange on the market place, with a pillared "
            "front and a great glass roof, where farmers and dealers traded grain every "
            "Thursday. The same decade brought hard times. In the depression of 1842 the Crane "
            "mill cut wages twice, and a crowd of some four hundred people met on the water "
            "meadows to hear speakers demand the vote for working men. The meeting passed off "
            "peacefully, though the mayor swore in forty special constables and asked for "
            "soldiers to be sent from the county town, who arrived the day after it was "
            "over.",
        ),
        (
            "p",
            "The borough's early years were not all conflict. It paved the main streets, "
            "opened a small lock-up and police office with a sergeant and three constables in "
            "1840, and in 1845 laid out the riverside walk between Elderkin's bridge and the "
            "town wharf, planted with the lime trees that still shade it. The council met in "
            "a room above the Ferry Inn until the town hall was built, and its minute books "
            "record long and bad-tempered debates over every penny spent on them. Its first "
            "great public work, a covered market hall for butter, eggs and poultry beside the "
            "corn exchange, was finished in 1847 and served until 1960.",
        ),
        ("h1", "Chapter. Church and chapel"),
        (
            "p",
            "The parish church of St Aldhelm, older than the town by five hundred years, "
            "stands on a low rise above the old ford. It was too small for the growing "
            "population long before anyone did anything about it. A Methodist chapel was "
            "built in Mill Lane in 1794, largely by the workers of the Crane mill, and a "
            "larger chapel, seating six hundred, replaced it in 1838. By the census of "
            "religious worship in 1851, more people in Ashcombe went to chapel than to "
            "church.",
        ),
        (
            "p",
            "The church answered with a restoration in 1862 that added a north aisle, a new "
            "organ and a peal of eight bells, paid for in part by the Crane family. The "
            "Catholic church of Our Lady of the Wend was built in 1897, mainly for the Irish "
            "families who had come to work at the paper mill, and a Baptist chapel stood in "
            "Thorne Road from 1871 until it was converted into flats in 1979.",
        ),
        (
            "p",
            "The churches and chapels ran much of the town's social life: Sunday schools, "
            "temperance societies, choirs, outings to the seaside by train, and the clothing "
            "clubs and coal clubs through which poor families saved a few pennies a week for "
            "the winter. The Methodist choir, founded in 1839, still sings Handel's Messiah "
            "in the chapel every December, and claims to have done so every year except "
            "during the two world wars.",
        ),
        ("h1", "Chapter. Market and trades"),
        (
            "p",
            "The Thursday market, which began on the green before the Ferry Inn in Josiah "
            "Pell's time, moved to the new market place laid out after the fire of 1812. In "
            "the middle of the nineteenth century it was one of the largest sheep markets in "
            "the county, with pens for four thousand animals on the busiest autumn days. "
            "Cattle and sheep were sold in the open street until 1902, when the borough built "
            "a cattle market beside the station; it closed in 1987, and the site is now the "
            "town's main car park.",
        ),
        (
            "p",
            "Around the market grew the trades of a country town. In 1851 the town had "
            "eleven bakers, nine shoemakers, seven tailors, six blacksmiths, four saddlers, "
            "three watchmakers and no fewer than nineteen inns and beer houses. Two "
            "breweries, Gale's in Mill Lane and the larger Wend Brewery on the Thorne road, "
            "supplied them. Gale's closed in 1919; the Wend Brewery was bought by a national "
            "company in 1960 and closed in 1968, and its tower is now flats.",
        ),
        (
            "p",
            "Shops changed with the times. The Co-operative Society opened its first shop in "
            "Bridge Street in 1872 and by 1914 had a bakery, a dairy, a coal yard and a "
            "department store. The first supermarket opened in 1966 on the site of the "
            "Picturedrome, and the Co-operative department store closed in 1983. Several of "
            "the old family businesses survive, among them Hatcher's the ironmongers, in the "
            "same shop on the market place since 1846.",
        ),
        ("h1", "Chapter. The railway"),
        (
            "p",
            "The Wend Valley Railway reached Ashcombe in 1849. The line ran along the north "
            "bank on an embankment above the water meadows, and the station, a handsome "
            "building of yellow brick, stood at the top of Bridge Street. The first train "
            "arrived on 14 June, decorated with flags, and was met by the mayor, Henry "
            "Marwood, a corn merchant, with the town band and most of the population. The "
            "journey to London, which had taken two days by road, now took four hours.",
        ),
        (
            "p",
            "The railway changed the town. Coal came in cheaply, so the Crane mill replaced "
            "its water wheel with a steam engine; cattle left by train instead of on the hoof, "
            "and the drovers' inns closed one by one. The river had its revenge in 1852, when "
            "a flood washed out two hundred yards of the new embankment and stopped the trains "
            "for seven weeks.",
        ),
        (
            "p",
            "Growth brought squalor. Houses were crammed into courts behind the main streets, "
            "served by shallow wells and open drains, and in the summer of 1854 cholera "
            "killed sixty-three people in six weeks. A young doctor, Samuel Rees, traced the "
            "outbreak to a well in Cooper's Court, and "
            "his report shamed the council into action. A waterworks, drawing clean water from "
            "springs in the chalk above the town, opened in 1858, and the first sewers "
            "followed in the 1860s.",
        ),
        ("h1", "Chapter. Paper and prosperity"),
        (
            "p",
            "In 1866 Amelia Haverstock, the widow of a London stationer, bought the old Pell "
            "corn mill and the land around it and built a paper mill. She chose Ashcombe for "
            "the soft water of the Marle Brook and the railway, which could bring in rags and "
            "take out paper. She ran the business herself for thirty years, and under her the "
            "Haverstock Paper Mill became known for fine writing papers and later for the "
            "paper of banknotes for several foreign governments. At its height it employed "
            "more than five hundred people.",
        ),
        (
            "p",
            "Prosperity showed in the town's buildings. The town hall, with its clock tower, "
            "was opened in 1878; a free library followed in 1883, paid for by Amelia "
            "Haverstock; and in 1889 a grammar school for boys opened on the Thorne road, "
            "with a girls' school added ten years later. Gas lighting reached the streets in "
            "1869 and the first telephone exchange, with eleven subscribers, in 1897.",
        ),
        (
            "p",
            "The river had not finished with Ashcombe. In January 1894 the Wend flooded the "
            "lower town after a fortnight of rain; the water stood three feet deep in the "
            "corn exchange, and the paper mill lost a month's production. The borough "
            "discussed building flood banks, but the cost was thought too great, and nothing "
            "was done for another fifty years.",
        ),
        ("h1", "Chapter. War and change"),
        (
            "p",
            "The new century began well. Electric light came to the main streets in 1908, and "
            "a cinema, the Picturedrome, opened in Bridge Street in 1913. The First World War "
            "took three hundred and twelve men from the town to the forces, of whom "
            "sixty-eight did not return; their names are on the memorial in the market place, "
            "unveiled in 1921.",
        ),
        (
            "p",
            "The same year brought the end of the town's oldest industry. The Crane & Sons "
            "woollen mill, unable to compete with the great mills of the north, closed in "
            "1921 after a hundred and twenty years, and its buildings were taken over by the "
            "paper mill as warehouses. In 1926 Lavinia Pell-Morrow, a descendant of the "
            "ferryman and a leader of the local suffrage society before the war, became the "
            "town's first woman mayor. She was responsible for the council's first houses "
            "for rent, the Meadow Road estate, and for the open-air swimming pool, the lido, "
            "which opened beside the river in 1934.",
        ),
        (
            "p",
            "In September 1939 some nine hundred children evacuated from London arrived at "
            "the station in two days. Many stayed for years, and a few for the rest of their "
            "lives. A single German bomb fell on the town in October 1941, destroying the "
            "glass roof of the corn exchange and killing two firewatchers.",
        ),
        ("h1", "Chapter. Sport and leisure"),
        (
            "p",
            "Ashcombe's cricket club was founded in 1851 and has played on the Marle Meadow "
            "ground since 1863, when Edmund Crane's son gave the field to the town. Its most "
            "famous player, the fast bowler Walter Nye, a paper mill worker, played for the "
            "county between 1894 and 1906. The football club followed in 1883 and reached the "
            "second round of the national amateur cup in 1928, the best season in its "
            "history, watched by crowds of up to three thousand at the Wharf Lane ground.",
        ),
        (
            "p",
            "The Ashcombe Regatta, first rowed in 1862 on the straight reach of the Wend below "
            "Elderkin's bridge, became the great event of the summer, with rowing and sculling "
            "races, a procession of decorated boats and fireworks from the bridge. The rowing "
            "club that grew out of it built its boathouse in 1887. The summer fair on the "
            "water meadows, the cinema and, from 1934, the lido gave the town's young people "
            "something to do, and the dances held in the town hall on Saturday nights in the "
            "1950s are still remembered fondly by many of our older members.",
        ),
        ("h1", "Chapter. Some Ashcombe lives"),
        (
            "p",
            "A town's history is made by many people whose names are not recorded. A few we "
            "know something about deserve a little more space than the story so far has given "
            "them.",
        ),
        (
            "p",
            "Thomas Elderkin, the builder of the stone bridge, settled in Ashcombe after it "
            "was finished and lived in a house on the south bank from which he could watch "
            "it. He designed the waterworks of 1858 in his old age, and when he died in 1861 "
            "he was buried, at his own request, in the churchyard on the rise above his "
            "bridge.",
        ),
        (
            "p",
            "Amelia Haverstock, who founded the paper mill, was remembered by her workers as "
            "a hard but fair employer. She paid for the free library and for a cottage "
            "hospital with twelve beds, opened in 1891, and she was the first woman in the "
            "town to be elected to the school board. She handed the mill to her nephew in "
            "1896 and died in 1903, aged eighty-one.",
        ),
        (
            "p",
            "Samuel Rees, the doctor who traced the cholera of 1854, served the town for more "
            "than forty years. His notebooks, given to the museum by his great-granddaughter, "
            "record the births of nearly three thousand children. Walter Nye, the cricketer, "
            "went back to the paper mill after his playing days and became its foreman; he "
            "coached the town's young cricketers every summer evening until he was seventy.",
        ),
        ("h1", "Chapter. Flood and renewal"),
        (
            "p",
            "The worst flood in the town's history came in March 1947, when heavy rain fell on "
            "deep snow after the hardest winter in living memory. The Wend rose eleven feet "
            "above its normal level; seven hundred houses in the lower town were flooded, and "
            "families were taken from upstairs windows in boats. The mayor, Arthur Budge, a "
            "butcher, ran the relief effort from the town hall for three weeks without, it is "
            "said, going home. The flood finally persuaded the government to pay for flood "
            "walls along both banks, which were built between 1951 and 1955.",
        ),
        (
            "p",
            "The town grew again after the war. New estates were built to the south, and the "
            "grammar school and the girls' school were merged into a comprehensive school in "
            "1968. But the railway, which had made the modern town, was losing money, and the "
            "station closed in 1964 along with the whole Wend Valley line. The track was "
            "lifted and its embankment is now a footpath and cycle way.",
        ),
        (
            "p",
            "In September 1968 the Wend flooded once more, after a storm that dropped five "
            "inches of rain in a day on the hills. This time the flood walls held, and only "
            "the water meadows and a few houses outside the walls were flooded. Older "
            "residents who had lived through 1947 called it a miracle; the engineers called "
            "it the design working as intended.",
        ),
        ("h1", "Chapter. The modern town"),
        (
            "p",
            "In 1971 the Haverstock Paper Mill, by then part of a national group, closed "
            "with the loss of four hundred and twenty jobs. It was the hardest blow the town "
            "had suffered since the floods. For a few years much of the site stood empty, "
            "until the council bought it and built the Millside housing estate on the lower "
            "part, keeping the oldest mill building and its chimney.",
        ),
        (
            "p",
            "That building became the Haverstock Museum, opened in 1985 by the mayor, Nirmala "
            "Fenwick, who had come to Ashcombe from Nairobi as a schoolteacher in 1966. The "
            "museum tells the story of the ferry, the mills and the river, and houses the "
            "Local History Society's collection of photographs. In 1976 the town was twinned "
            "with Kaltenbach in Germany, whose band plays in the market place at every "
            "Ashcombe summer fair.",
        ),
        (
            "p",
            "The bypass, opened in 1989, took the lorries away from Elderkin's bridge and the "
            "market place, which was paved and closed to traffic in 1992. Today Ashcombe is a "
            "market town of some eleven and a half thousand people. Many work in the county "
            "town or further afield, but the Thursday market still trades in the market "
            "place, as it has since Josiah Pell's time.",
        ),
        (
            "p",
            "The last quarter of the century also brought losses. The cottage hospital closed "
            "in 1979 when a new district hospital opened in the county town, the Picturedrome "
            "had already given way to the supermarket, and the lido, damaged by vandals and "
            "too expensive to repair, was filled in in 1990 and replaced by an indoor pool at "
            "the new sports centre. But the town also gained: a health centre in 1981, a "
            "branch of the county college in the old grammar school buildings in 1986, and, "
            "in 1995, the restoration of the Ferry Inn's eighteenth-century front, which had "
            "been hidden behind a Victorian shopfront for a hundred and twenty years. The "
            "society's own photograph survey of every street in the town, begun in 1994, was "
            "finished in the spring of 1998 and is kept at the museum.",
        ),
        ("h1", "Appendix. Population of Ashcombe at each census"),
        (
            "p",
            "The figures are those of the published census reports for the parish of "
            "Ashcombe, which from 1836 had the same boundaries as the borough. The parish was "
            "enlarged in 1935 to take in the Meadow Road estate, which accounts for part of "
            "the increase between 1931 and 1951. No census was taken in 1941. The figure "
            "for 1991 is the last before this book was written; the society will publish the "
            "2001 figure in its newsletter when the census results appear. Figures for the "
            "years before 1801 are estimates from the parish registers and are not given "
            "here.",
        ),
        ("table", "Population at each census", ["Census year", "Population"], ASHCOMBE_CENSUS),
    ]
    number = 0
    for i, block in enumerate(blocks):
        if block[0] == "h1" and block[1].startswith("Chapter. "):
            number += 1
            blocks[i] = ("h1", f"Chapter {number}. {block[1][len('Chapter. ') :]}")
    return blocks


# ---------------------------------------------------------------------------------------------

MADE = {
    "harlow-bay-budget-fy2025.pdf": (
        budget_document,
        render_pdf,
        "City of Harlow Bay Adopted Budget FY2025",
        "City of Harlow Bay Finance Department",
    ),
    "nordvik-aquatherm-manual.docx": (
        heatpump_document,
        render_docx,
        "Nordvik AquaTherm AT series - Installation, operation and maintenance manual",
        "Nordvik Climate Systems AB",
    ),
    "brightwell-handbook.md": (
        handbook_document,
        render_md,
        "Brightwell Freight Partners - Employee Handbook",
        "Brightwell Freight Partners",
    ),
    "saltmere-harbour-minutes-2023.txt": (
        minutes_document,
        render_txt,
        "Port of Saltmere Harbour Board - Minutes 2023",
        "Port of Saltmere",
    ),
    "ashcombe-chronicle.epub": (
        chronicle_document,
        render_epub,
        "Ashcombe on the Wend: A Short History, 1742-1998",
        "Ashcombe Local History Society",
    ),
}


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (make, render, title, author) in MADE.items():
        render(make(), folder / name, title, author)
        written.append(folder / name)
    for name, source in COPIED.items():
        if Path(source).exists():
            shutil.copyfile(source, folder / name)
            written.append(folder / name)
        else:
            print(f"{source} is not on this machine; {name} left as it is", file=sys.stderr)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write into a temporary folder and report files that differ",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="folder to write (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if not args.check:
        for path in write_all(args.out):
            print(f"{path.name}: {path.stat().st_size:,} bytes")
        return 0
    import tempfile

    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in write_all(Path(tmp)):
            mine = args.out / path.name
            same = mine.exists() and mine.read_bytes() == path.read_bytes()
            differ += not same
            print(f"{path.name}: {'same' if same else 'DIFFERS'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
