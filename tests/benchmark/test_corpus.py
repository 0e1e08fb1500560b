"""The benchmark's corpus generator writes valid, deterministic content/ folders."""

import re

from handbook import content_io
from handbook import rendering

import corpus


def _files(folder):
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*.md"))}


def test_same_seed_same_files(tmp_path):
    """Two runs with the same seed write byte-identical folders."""
    corpus.generate(tmp_path / "a", 40, 3, seed=5)
    corpus.generate(tmp_path / "b", 40, 3, seed=5)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_pages_parse_and_link(tmp_path):
    """Every page parses as content, is 3-6 KB-ish, and has 3-6 wiki links, mostly to real pages."""
    specs = corpus.generate(tmp_path, 60, 4, seed=1)
    assert len(specs) == 60
    assert len({spec.slug for spec in specs}) == 60
    sections = sorted(path for path in tmp_path.iterdir() if path.is_dir())
    assert len(sections) == 4
    assert all((section / content_io.SECTION_FILE).exists() for section in sections)
    slugs = {spec.slug for spec in specs}
    live = missing = 0
    for spec in specs:
        meta, body = content_io.parse(tmp_path / spec.section_dir / f"{spec.slug}.md")
        assert rendering.slugify(meta["title"]) == spec.slug
        assert isinstance(meta["order"], int) and meta["tags"] and meta["summary"]
        assert 2500 <= len(body.encode()) <= 8000
        assert re.search(r"^## ", body, re.M)
        targets = [rendering.slugify(m.group(1)) for m in re.finditer(rendering.WIKILINK, body)]
        assert 3 <= len(targets) <= 6
        assert spec.slug not in targets
        live += sum(target in slugs for target in targets)
        missing += sum(target not in slugs for target in targets)
    assert missing and live > 2 * missing
