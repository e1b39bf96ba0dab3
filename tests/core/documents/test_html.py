"""Web pages: the article's text only (no menus, scripts or footers), its title, its structure."""

from __future__ import annotations

import pytest

from tests.core.documents import files
from tests.core.documents.checks import assert_well_formed, page_with

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Growing Tomatoes at Home</title>
  <style>body { font-family: serif; } .hidden-style-marker { color: red; }</style>
  <script>var trackingMarker = "SCRIPT-MARKER"; console.log(trackingMarker);</script>
</head>
<body>
  <header><a href="/">GardenSite HEADER-MARKER</a></header>
  <nav><ul><li><a href="/a">Home NAV-MARKER</a></li><li><a href="/b">Shop</a></li></ul></nav>
  <main>
    <article>
      <h1>Growing Tomatoes</h1>
      <p>Tomatoes need six hours of sun &amp; steady water.</p>
      <p>Pick them when they are red &mdash; not before. Caf&eacute; owners agree.</p>
      <h2>What you need</h2>
      <ul>
        <li>Seedlings</li><li>Compost</li><li>Bamboo canes</li>
      </ul>
      <p>Use &lt;10&gt; litres per plant &#8220;each week&#8221;.</p>
    </article>
    <aside>Related posts ASIDE-MARKER</aside>
  </main>
  <footer>Copyright FOOTER-MARKER</footer>
  <script>document.write("LATE-SCRIPT-MARKER")</script>
</body>
</html>
"""


def test_the_article_text_is_kept(parse, make_file):
    doc = parse(make_file("tomatoes.html", PAGE))
    assert_well_formed(doc)
    assert doc.format == "html"
    for sentence in (
        "Growing Tomatoes",
        "Tomatoes need six hours of sun",
        "Pick them when",
        "What you need",
        "Seedlings",
        "Compost",
        "Bamboo canes",
    ):
        assert sentence in doc.text, sentence


@pytest.mark.parametrize(
    "marker",
    [
        "SCRIPT-MARKER",
        "LATE-SCRIPT-MARKER",
        "hidden-style-marker",
        "font-family",
        "NAV-MARKER",
        "HEADER-MARKER",
        "FOOTER-MARKER",
        "ASIDE-MARKER",
    ],
)
def test_menus_scripts_styles_and_footers_are_left_out(parse, make_file, marker):
    doc = parse(make_file("tomatoes.html", PAGE))
    assert "Tomatoes need six hours of sun" in doc.text  # the article is read...
    assert marker not in doc.text  # ...and this is not


def test_the_title_comes_from_the_title_element(parse, make_file):
    doc = parse(make_file("index.htm", PAGE))
    assert doc.title == "Growing Tomatoes at Home"


def test_a_page_without_a_title_is_titled_by_its_name(parse, make_file):
    doc = parse(make_file("saved page.html", "<html><body><p>Just text.</p></body></html>"))
    assert doc.title == "saved page"
    assert "Just text." in doc.text


def test_headings_paragraphs_and_list_items_are_on_their_own_lines(parse, make_file):
    doc = parse(make_file("tomatoes.html", PAGE))
    lines = [line.strip() for line in doc.text.splitlines() if line.strip()]
    for item in ("Seedlings", "Compost", "Bamboo canes", "What you need"):
        assert any(line.endswith(item) and len(line) <= len(item) + 3 for line in lines), (
            item,
            lines,
        )
    assert not any("Growing Tomatoes" in line and "six hours" in line for line in lines)


def test_entities_are_decoded(parse, make_file):
    text = parse(make_file("tomatoes.html", PAGE)).text
    assert "sun & steady water" in text
    assert "red — not before" in text
    assert "Café owners agree" in text
    assert "Use <10> litres per plant “each week”." in text
    assert "&amp;" not in text and "&eacute;" not in text


def test_a_long_page_is_split_into_pages_with_exact_spans(parse, make_file):
    body = files.paragraphs(60, words=50)
    html = (
        "<html><head><title>Long</title></head><body>"
        + "".join(f"<p>{p}</p>" for p in body)
        + "</body></html>"
    )
    doc = parse(make_file("long.html", html))
    assert_well_formed(doc)
    assert len(doc.pages) > 1
    for paragraph in body:
        page_with(doc, paragraph)


def test_a_windows_1252_page_without_a_charset_reads_correctly(parse, make_file):
    html = "<html><body><p>Le café — “quoted”.</p></body></html>".encode("cp1252")
    doc = parse(make_file("old page.html", html))
    assert "Le café — “quoted”." in doc.text


def test_a_declared_charset_is_honoured(parse, make_file):
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "</head><body><p>Na\xefve fa\xe7ade \x93here\x94.</p></body></html>"
    ).encode("latin-1")
    doc = parse(make_file("legacy.html", html))
    assert "Naïve façade “here”." in doc.text
