"""Text for formats that take Latin-1 letters only, such as FatturaPA (pure Python).

FatturaPA's text fields accept Basic Latin and Latin-1 Supplement characters only
(`[\\p{IsBasicLatin}\\p{IsLatin-1Supplement}]`): "Zakład Usług Łódź" is refused by its schema.
Letters outside Latin-1 are written with the nearest Latin-1 letter ("ł" as "l", "ź" as "z"),
keeping those Latin-1 has ("ó", "é", "ß", "ø"), so Italian, French and German names are kept
whole and Polish and Czech ones stay readable. The PDF keeps every name as it is.
"""

from __future__ import annotations

import unicodedata

# Letters and signs outside Latin-1 that do not decompose into a Latin-1 letter and a mark.
_NEAREST = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ħ": "h",
        "Ħ": "H",
        "ŧ": "t",
        "Ŧ": "T",
        "\u0131": "i",  # dotless i
        "ŀ": "l",
        "Ŀ": "L",
        "ŋ": "n",
        "Ŋ": "N",
        "œ": "oe",
        "Œ": "OE",
        "ĳ": "ij",
        "Ĳ": "IJ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u20ac": "EUR",
        "\u2009": " ",
        "\u202f": " ",
    }
)
UNKNOWN = "?"


def is_latin1(character: str) -> bool:
    """A printable Basic Latin or Latin-1 Supplement character (no control characters)."""
    code = ord(character)
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF


def _nearest(character: str) -> str:
    """One character as Latin-1 text: itself, its base letter, a mapped look-alike, or '?'."""
    if is_latin1(character):
        return character
    mapped = character.translate(_NEAREST)
    if mapped != character:
        return mapped
    base = "".join(
        part for part in unicodedata.normalize("NFKD", character) if not unicodedata.combining(part)
    )
    if base and all(is_latin1(part) for part in base):
        return base
    return UNKNOWN


def latin1_text(text: str) -> str:
    """`text` in printable Latin-1 characters: line breaks and tabs become spaces, letters
    outside Latin-1 their nearest Latin-1 letter ("Zakład Usług Łódź" -> "Zaklad Uslug Lódz")."""
    composed = unicodedata.normalize("NFC", " ".join(text.split()))
    return "".join(_nearest(character) for character in composed)
