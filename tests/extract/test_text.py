"""HTML pages reduced to their readable text."""

from __future__ import annotations

from twinned.extract.text import html_to_text, is_boilerplate, looks_like_html

PAGE = """<!DOCTYPE html><html><head><title>Twin towns | Town</title><style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script></head><body>
<a class="skip-link" href="#c">Skip to content</a>
<header><h1>Town portal</h1><nav><a>Home</a><a>Partners</a></nav></header>
<div role="navigation">Sitemap</div>
<div class="cookie-banner">We use cookies</div>
<h2>Our twin towns</h2>
<p>Raahe and
   Verona&nbsp;are our partners.<br>Since 1991.</p>
<figure><img src="a.png" alt="Images of logos"><figcaption>Images of logos (basic)</figcaption></figure>
<ul><li>Wuppertal, Germany</li><li>Mobile, USA</li></ul>
<table><tr><th>City</th><th>Year</th></tr><tr><td>Cottbus</td><td>1992</td></tr></table>
<p hidden>Hidden partner</p><p aria-hidden="true">Also hidden</p>
<p>Information will be available soon</p>
<aside>Related: Budapest</aside>
<footer>© 2024 Town</footer></body></html>"""


def test_readable_text_only() -> None:
    text, title = html_to_text(PAGE)
    assert title == "Twin towns | Town"
    assert text.splitlines() == [
        "Our twin towns",
        "Raahe and Verona are our partners.",
        "Since 1991.",
        "- Wuppertal, Germany",
        "- Mobile, USA",
        "City | Year",
        "Cottbus | 1992",
    ]


def test_main_alone_when_the_page_has_one() -> None:
    text, _ = html_to_text("<body><div>Banner text</div><main><p>Kaunas and Riga</p></main><div>After</div></body>")
    assert text == "Kaunas and Riga\n"


def test_recognises_html() -> None:
    assert looks_like_html("<!doctype html><html>")
    assert looks_like_html("  <p>text</p>")
    assert not looks_like_html("Germany Wuppertal Agreement on Cooperation 22/5/1980")


def test_boilerplate_lines() -> None:
    for line in ("Skip to content", "Read more", "Information will be available soon", "© 2024 City of Brno",
                 "All rights reserved."):
        assert is_boilerplate(line)
    assert not is_boilerplate("Information on the partnership with Raahe")


def test_a_cell_spanning_rows_is_repeated_in_each_row() -> None:
    text, _ = html_to_text("<table><tr><th>Country</th><th>City</th><th>Since</th></tr>"
                           "<tr><td rowspan='2'>United Kingdom</td><td>Bristol</td><td>1947</td></tr>"
                           "<tr><td>Edinburgh</td><td>2001</td></tr><tr><td>Spain</td><td>Madrid</td><td>1984</td></tr>"
                           "</table>")
    assert text.splitlines() == ["Country | City | Since", "United Kingdom | Bristol | 1947",
                                 "United Kingdom | Edinburgh | 2001", "Spain | Madrid | 1984"]


def test_breadcrumb_trails_and_consent_banners_are_dropped() -> None:
    text, _ = html_to_text("<div class='gdpr-notice'>We use cookies.</div><div class='breadcrumb-trail'>Lublin</div>"
                           "<div class='ariane'>Home / City Hall / Twin cities</div><p>You are here: Home</p>"
                           "<p>Twin cities of Bordeaux</p>")
    assert text == "Twin cities of Bordeaux\n"


def test_parts_of_a_card_glued_across_inline_tags_are_cut() -> None:
    """Cards style their <span>s as blocks: "Århus" and "Denmark — ..." must not read as "ÅrhusDenmark";
    a word split by inline markup ("20<sup>th</sup>", "<b>K</b>aunas") stays whole."""
    text, _ = html_to_text("<ul><li><span>Århus</span><span>Denmark — twinned since 1946</span>"
                           "<a href='#'>Read more about Århus</a></li></ul><p>On June 20<sup>th</sup> <b>K</b>aunas "
                           "signed with <a href='#'>Riga</a>.</p>")
    assert text.splitlines() == ["- Århus", "Denmark — twinned since 1946", "Read more about Århus",
                                 "On June 20th Kaunas signed with Riga."]
