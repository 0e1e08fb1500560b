"""The confidentiality guard finds nothing in the handbook's own seed pages."""

from pathlib import Path

import pytest

from handbook.services.guard import scan

CONTENT = Path(__file__).resolve().parent.parent / "content"
PAGES = sorted(CONTENT.rglob("*.md"))


def test_there_are_seed_pages_to_scan():
    assert len(PAGES) > 10


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(CONTENT)))
def test_a_seed_page_has_no_findings(page):
    text = page.read_text(encoding="utf-8")
    assert [(finding.kind, finding.text) for finding in scan(text)] == []
