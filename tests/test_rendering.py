"""Markdown rendering and sanitizing: features work, and no executable content survives."""

import re

import pytest

from handbook.markdown_html import sanitize
from handbook.rendering import render
from handbook.rendering import slugify

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    '<img src=x onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">click</a>',
    "<div onmouseover=alert(1)>hover</div>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+)",
    '<a href="vbscript:msgbox(1)">vb</a>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "<iframe src=//evil.example></iframe>",
    "<form action=//evil.example><button>go</button></form>",
    "<object data=x.swf></object><embed src=x>",
    "<video src=x onerror=alert(1)></video><audio src=x>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content='0;url=//evil.example'>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "## Heading {#x onclick=alert(1)}",
    "text {: onclick=alert(1) }",
    '<h2 id="__proto__">clobber</h2>',
    '<a href="https://ok.example" rel="opener" target="_blank">x</a>',
    "[[<script>alert(1)</script>]]",
    "[[x|<img src=x onerror=alert(1)>]]",
]

FORBIDDEN_TAGS = re.compile(
    r"<\s*(script|style|svg|math|iframe|form|object|embed|video|audio|noscript|base|meta|link|button)\b",
    re.I,
)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son\w+\s*=", re.I)
BAD_URL = re.compile(r"(href|src)\s*=\s*\"?\s*(javascript|vbscript|data):", re.I)


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_executable_content_survives(vector):
    html = render(vector).html
    assert not FORBIDDEN_TAGS.search(html), html
    assert not EVENT_ATTRIBUTE.search(html), html
    assert not BAD_URL.search(html), html
    assert "style=" not in html
    assert 'id="__proto__"' not in html
    assert "target=" not in html and 'rel="opener"' not in html


def test_markdown_features_render():
    text = "\n".join([
        "## Why it matters", "", "Body with a footnote.[^1]", "",
        "| a | b |", "|---|--:|", "| 1 | 2 |", "",
        "```python", "print('hi')", "```", "",
        "1. one", "2. two", "", "### Detail", "", "## More", "", "[^1]: The note.",
    ])
    rendered = render(text)
    assert '<h2 id="why-it-matters">' in rendered.html
    assert '<td align="right">2</td>' in rendered.html
    assert '<code class="language-python">' in rendered.html
    assert 'class="footnote"' in rendered.html and 'href="#fn:1"' in rendered.html
    assert "<ol>" in rendered.html
    assert rendered.heading_count == 3 and 'href="#detail"' in rendered.toc_html


def test_wiki_links_point_to_pages_or_to_creation():
    rendered = render("[[Network weaving]] and [[how-networks-grow|growth]] and [[Nope]]",
                      {"network-weaving": "network-weaving"})
    assert '<a class="wikilink" href="/wiki/network-weaving">Network weaving</a>' in rendered.html
    assert 'class="wikilink missing" href="/new?title=how-networks-grow"' in rendered.html
    assert ">growth</a>" in rendered.html
    assert rendered.links == {"network-weaving", "how-networks-grow", "nope"}


def test_external_links_get_rel_and_internal_links_do_not():
    html = render("[out](https://example.org) [in](/wiki/x) [mail](mailto:a@example.org)").html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">out</a>' in html
    assert '<a href="/wiki/x">in</a>' in html
    assert '<a href="mailto:a@example.org">mail</a>' in html


def test_sanitize_is_idempotent_on_its_output():
    html = render("## T\n\n[x](https://a.example) **b**").html
    assert sanitize(html) == html


@pytest.mark.parametrize("title, slug", [
    ("Why bridgers need connectors", "why-bridgers-need-connectors"),
    ("Conversations of interdependence (tool)", "conversations-of-interdependence-tool"),
    ("Café & crèche!", "cafe-creche"),
    ("Сеть связей", "сеть-связей"),
    ("नेटवर्क बुनाई", "नेटवर्क-बुनाई"),
    ("Søren's STRASSE", "søren-s-strasse"),
])
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_titles_without_letters_get_distinct_addresses():
    assert slugify("???").startswith("page-") and slugify("???") != slugify("!!!")


def test_a_page_has_one_h1_its_title():
    """A "# Heading" in the text becomes an h2 and enters the table of contents; raw h1 is dropped."""
    rendered = render("# Top\n\nText.\n\n## Below\n\n<h1>raw</h1>\n")
    assert "<h1" not in rendered.html
    assert '<h2 id="top">' in rendered.html and '<h2 id="below">' in rendered.html
    assert 'href="#top"' in rendered.toc_html and rendered.heading_count == 2
