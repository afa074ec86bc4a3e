"""What the exchange system's (SdI) most common error codes mean, in the reader's language.

The meanings follow SdI's list of checks (the technical specification's table of controls:
code, the field checked, the description); an unknown code is shown with the exchange
system's own description, which comes in Italian with every rejection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

SDI_CODE_MEANINGS: Mapping[str, Callable[[], str]] = {
    # Translators: 00001, an error code of the Italian e-invoice exchange system (SdI).
    "00001": lambda: _("Invalid file name"),
    "00002": lambda: _("File name already used"),
    "00102": lambda: _("File not intact (invalid signature)"),
    "00200": lambda: _("File does not follow the FatturaPA format"),
    "00400": lambda: _("0 % VAT without an exemption code (Natura)"),
    "00401": lambda: _("Exemption code (Natura) with a VAT rate other than 0 %"),
    "00404": lambda: _("Duplicate invoice: this number was already sent"),
    "00409": lambda: _("Duplicate invoice within the same file"),
    "00421": lambda: _("VAT amount (Imposta) not computed as the rules require"),
    "00422": lambda: _("Taxable amount (ImponibileImporto) not computed as the rules require"),
    "00423": lambda: _("Line total (PrezzoTotale) not computed as the rules require"),
    "00445": lambda: _("Generic exemption code N2, N3 or N6 no longer accepted"),
}


@dataclass(frozen=True)
class ShownProblem:
    """One problem of a file as staff read it: the code and what it means."""

    code: str
    meaning: str  # translated for known codes, else the exchange system's (or rule's) own text
    detail: str  # the exchange system's description or the rule's message, as written


def shown_problems(problems: list[dict[str, Any]]) -> list[ShownProblem]:
    """A file's problems (a rule's or the exchange system's) as staff read them."""
    shown = []
    for problem in problems:
        code = str(problem.get("code") or "")
        detail = str(problem.get("message") or "")
        known = SDI_CODE_MEANINGS.get(code)
        shown.append(ShownProblem(code, known() if known else detail, detail))
    return shown
