"""The frame every e-mail body shares: greeting, paragraphs, closing with the vendor's name."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _


def letter(name: str | None, paragraphs: Iterable[str], seller: str) -> str:
    """An e-mail body in the active locale: "Hello <name>," (or "Hello,"), the paragraphs,
    and the closing signed by the vendor, blank lines between them."""
    greeting = _("Hello %(name)s,", name=name) if name else _("Hello,")
    # Translators: the e-mail's closing, followed by the vendor's name on the next line.
    closing = _("Kind regards,") + "\n" + seller
    return "\n\n".join([greeting, *paragraphs, closing]) + "\n"
