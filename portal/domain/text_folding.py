"""Text as searches compare it: no case, no accents, no strokes (pure Python)."""

from __future__ import annotations

import unicodedata

# Latin letters that NFKD leaves whole (a stroke or a ligature is not a combining mark):
# written as the plain letters someone without them on the keyboard types.
_UNDECOMPOSED = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ŧ": "t",
        "\u0131": "i",  # dotless i
        "ŀ": "l",
        "ĸ": "k",
        "ŋ": "n",
        "ƀ": "b",
        "ɨ": "i",
        "ʉ": "u",
        "ƶ": "z",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ĳ": "ij",
    }
)


def fold_for_search(text: str) -> str:
    """`text` as the searches compare it: lower case, accents and strokes taken off, ß as ss
    ("Zakład Usług Łódź" -> "zaklad uslug lodz", "Šťastný" -> "stastny", "Straße" -> "strasse").

    Stored beside the searched columns (Account.name_search, BillingInfo.company_search) and
    applied to the typed query, so both databases compare the same plain text with LIKE.
    """
    # Decomposed before and after casefold: ligatures and other compatibility letters folded too.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.translate(_UNDECOMPOSED)
