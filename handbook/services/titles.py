"""Page titles: normalised, free of invisible characters, and never a look-alike of another."""

import importlib
import unicodedata

from handbook.services.errors import InvalidInput
from handbook.services.validation import clean_title


def normalise(title):
    """NFC, without format characters (bidi overrides, zero-width spaces and joiners)."""
    title = unicodedata.normalize("NFC", title or "")
    title = "".join(character for character in title if unicodedata.category(character) != "Cf")
    return clean_title(" ".join(title.split()))


def look_alike_key(title):
    """The title as it looks: each letter that the Unicode confusables table says looks like a
    Latin letter is replaced by it, then case is folded ("Nеtwork" with a Cyrillic е and
    "network" have the same key)."""
    found = _confusables().is_confusable(title, greedy=True, preferred_aliases=["latin"]) or []
    replacements = {}
    for entry in found:
        latin = [glyph["c"] for glyph in entry["homoglyphs"] if glyph["n"].startswith("LATIN")]
        if latin and len(latin[0]) == 1:
            replacements[entry["character"]] = latin[0]
    return "".join(replacements.get(character, character) for character in title).casefold()


def _confusables():
    """The confusables table, loaded when first needed: it takes 15 MB, which a server process
    that only shows pages never needs."""
    return importlib.import_module("confusable_homoglyphs.confusables")


def refuse_look_alike(title, existing_titles):
    """InvalidInput when `title` looks like one of `existing_titles` without being it."""
    key = look_alike_key(title)
    for existing in existing_titles:
        if existing != title and look_alike_key(existing) == key:
            raise InvalidInput(
                f"This title looks the same as the existing page “{existing}” but uses other"
                " characters. Use that page, or choose a title that reads differently.", "title")
