"""The billing info form: who invoices are made out to and where they are sent."""

from __future__ import annotations

import re
from typing import Any

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from stdnum.it import codicefiscale
from stdnum.it import iva as it_iva
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal import vies
from portal.billing.info import FIELDS
from portal.domain.letters_of_intent import InvalidProtocol, normalize_protocol
from portal.domain.tax import InvalidVatId, normalize_vat_id
from portal.domain.vat_registry import RegistryAnswer, RegistryVerdict
from portal.einvoices.formats import offers_einvoices
from portal.forms import PortalForm, shorten
from portal.i18n import language_choices
from portal.models import BillingInfo, EInvoiceFormat
from portal.models.account import MAX_CC
from portal.models.columns import max_length
from portal.reference_data import reference
from portal.safe_gettext import lazy_gettext as _l

ITALY = "IT"
RECIPIENT_CODE = re.compile(r"[A-Z0-9]{7}")


def normalize_recipient_code(text: str) -> str:
    """The SdI recipient code as stored: spaces removed, in capitals."""
    return re.sub(r"\s+", "", text).upper()


def compact_tax_code(text: str) -> str:
    """A tax code without spaces, in capitals."""
    return re.sub(r"\s+", "", text).upper()


def is_italian_tax_code(code: str) -> bool:
    """A person's 16-character codice fiscale, or a company's 11 digits (its partita IVA)."""
    if len(code) == 11 and code.isdigit():
        return bool(it_iva.is_valid(code))
    return len(code) == 16 and bool(codicefiscale.is_valid(code))


# EU member states plus the countries customers outside the EU most often write from.
OTHER_COUNTRIES = ("CH", "GB", "NO", "US", "CA", "AU")


def country_choices() -> list[SelectChoice]:
    """ISO codes with their names in the viewer's language, sorted by name."""
    locale = Locale.parse(str(get_locale()))
    codes = set(reference().vat_rates.rates) | set(OTHER_COUNTRIES)
    named = sorted((locale.territories.get(code, code), code) for code in codes)
    return [SelectChoice(code, name) for name, code in named]


def einvoice_format_choices() -> list[SelectChoice]:
    """The invoice formats a business customer in the EU may choose, PDF first."""
    labels = {
        EInvoiceFormat.PDF: _("PDF"),
        EInvoiceFormat.FACTURX: _("Factur-X (PDF with the invoice data inside)"),
        EInvoiceFormat.UBL: _("UBL (XML file beside the PDF)"),
    }
    return [SelectChoice(member.value, labels[member]) for member in EInvoiceFormat]


def parse_cc(text: str) -> list[str]:
    """Addresses typed one per line or separated by commas or semicolons."""
    parts = text.replace(";", "\n").replace(",", "\n").splitlines()
    return [part.strip() for part in parts if part.strip()]


class BillingInfoForm(PortalForm):
    """Company, contact, addresses, VAT ID, invoice language, e-mail delivery."""

    company = StringField(
        _l("Company"),
        validators=[
            DataRequired(message=_l("Enter the company name.")),
            Length(max=max_length(BillingInfo.company)),
        ],
    )
    contact_name = StringField(
        _l("Contact name"),
        validators=[Optional(), Length(max=max_length(BillingInfo.contact_name))],
    )
    billing_email = EmailField(
        _l("Billing e-mail"),
        validators=[
            DataRequired(message=_l("Enter the billing e-mail address.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=max_length(BillingInfo.billing_email)),
        ],
    )
    cc_emails = TextAreaField(
        _l("Copies to (CC)"),
        description=_l("Up to 5 addresses, one per line."),
        validators=[Optional(), Length(max=MAX_CC * 256)],
    )
    address = StringField(
        _l("Address"), validators=[Optional(), Length(max=max_length(BillingInfo.address))]
    )
    postal_code = StringField(
        _l("Postal code"),
        validators=[Optional(), Length(max=max_length(BillingInfo.postal_code))],
    )
    city = StringField(
        _l("City"), validators=[Optional(), Length(max=max_length(BillingInfo.city))]
    )
    country = SelectField(_l("Country"), validators=[DataRequired()])
    # As typed, spaces and dots included: the stored ID is its compact form.
    vat_id = StringField(_l("VAT ID"), validators=[Optional(), Length(max=30)])
    invoice_language = SelectField(_l("Invoice language"))
    purchase_order = StringField(
        _l("Purchase order number"),
        description=_l("Printed on the invoices issued from now on, if your company uses one."),
        validators=[Optional(), Length(max=max_length(BillingInfo.purchase_order))],
    )
    invoices_by_email = BooleanField(_l("Receive invoices by e-mail"))
    # Italian customers only: where the exchange system (SdI) delivers their e-invoices.
    recipient_code = StringField(
        _l("SdI recipient code"),
        description=_l("7 letters and digits (codice destinatario); 0000000 if you have none."),
        validators=[Optional(), Length(max=20)],
    )
    pec = EmailField(
        _l("PEC address"),
        description=_l("Certified e-mail (PEC) where e-invoices can be delivered."),
        validators=[
            Optional(),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=max_length(BillingInfo.pec)),
        ],
    )
    tax_code = StringField(
        _l("Tax code"),
        description=_l("Codice fiscale: 16 characters, or a company's 11 digits."),
        validators=[Optional(), Length(max=30)],
    )
    # Offered where offers_einvoice_format() says; not posted elsewhere (the quote's billing
    # step), and then the saved choice is kept. The choice is checked below, not by WTForms.
    einvoice_format = SelectField(
        _l("E-invoice format"),
        description=_l(
            "EN 16931 e-invoices, read by accounting software without retyping: Factur-X in "
            "place of the PDF, UBL as an XML file beside it."
        ),
        validate_choice=False,
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        """Countries are named in the viewer's language, languages in their own."""
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        self.invoice_language.choices = [
            SelectChoice(code, name) for code, name in language_choices()
        ]
        self.einvoice_format.choices = einvoice_format_choices()

    def offers_einvoice_format(self) -> bool:
        """Whether the page shows the e-invoice format: for the country and VAT ID shown (the
        saved ones, or those just posted), or to show what was wrong with it."""
        return bool(self.einvoice_format.errors) or offers_einvoices(
            self.country.data, (self.vat_id.data or "").strip() or None
        )

    def show(self, info: BillingInfo | None) -> None:
        """Fill the form with the saved billing info (the copies one address a line)."""
        if info is None:
            return
        self.process(obj=info)
        self.cc_emails.data = "\n".join(info.cc_emails or [])

    def values(self) -> dict[str, Any]:
        """What was typed, as the billing info keeps it: a value for each of its FIELDS."""
        values = {
            "company": self.company.data.strip(),
            "contact_name": (self.contact_name.data or "").strip(),
            "billing_email": self.billing_email.data.strip().lower(),
            "cc_emails": [address.lower() for address in parse_cc(self.cc_emails.data or "")],
            "address": (self.address.data or "").strip(),
            "postal_code": (self.postal_code.data or "").strip(),
            "city": (self.city.data or "").strip(),
            "country": self.country.data,
            "vat_id": self.vat_id.data or None,
            "invoice_language": self.invoice_language.data,
            "invoices_by_email": bool(self.invoices_by_email.data),
            "purchase_order": (self.purchase_order.data or "").strip(),
            **self.italian_values(),
        }
        if self.einvoice_format.raw_data:
            values["einvoice_format"] = EInvoiceFormat(self.einvoice_format.data)
        # A field the page did not post (the e-invoice format, where it is not offered)
        # keeps its saved value.
        return {name: values[name] for name in FIELDS if name in values}

    def validate_einvoice_format(self, field: SelectField) -> None:
        """One of the formats, and Factur-X or UBL only for a business in the EU; a forged
        value is refused, never stored."""
        if not field.raw_data:
            return
        if field.data not in {member.value for member in EInvoiceFormat}:
            raise ValidationError(_("Choose PDF, Factur-X or UBL."))
        if field.data != EInvoiceFormat.PDF and not offers_einvoices(
            self.country.data, (self.vat_id.data or "").strip() or None
        ):
            raise ValidationError(
                _(
                    "Factur-X and UBL are for businesses in the EU: enter your company's "
                    "EU VAT ID, or choose PDF."
                )
            )

    def italian_values(self) -> dict[str, str]:
        """The e-invoice delivery fields, kept for a customer in Italy only."""
        if self.country.data != ITALY:
            return {"recipient_code": "", "pec": "", "tax_code": ""}
        return {
            "recipient_code": normalize_recipient_code(self.recipient_code.data or ""),
            "pec": (self.pec.data or "").strip().lower(),
            "tax_code": compact_tax_code(self.tax_code.data or ""),
        }

    def validate_recipient_code(self, field: StringField) -> None:
        """Seven letters and digits, in capitals (typed in any case)."""
        if self.country.data != ITALY or not (field.data or "").strip():
            return
        if not RECIPIENT_CODE.fullmatch(normalize_recipient_code(field.data)):
            raise ValidationError(
                _("The SdI recipient code has 7 letters and digits, such as M5UXCR1.")
            )

    def validate_tax_code(self, field: StringField) -> None:
        """A person's codice fiscale (16 characters) or a company's 11-digit number,
        checked with python-stdnum."""
        if self.country.data != ITALY or not (field.data or "").strip():
            return
        if not is_italian_tax_code(compact_tax_code(field.data)):
            raise ValidationError(
                _("This tax code is not valid: check its characters and its check letter.")
            )

    def validate(self, extra_validators: Any = None) -> bool:
        """Field by field, then what an Italian e-invoice needs to reach the customer."""
        valid = super().validate(extra_validators)
        if not valid or self.country.data != ITALY:
            return valid
        values = self.italian_values()
        if self.vat_id.data:
            if not values["recipient_code"] and not values["pec"]:
                self.recipient_code.errors = [
                    *self.recipient_code.errors,
                    _(
                        "A business in Italy needs an SdI recipient code or a PEC address "
                        "for its e-invoices."
                    ),
                ]
                return False
        elif not values["tax_code"]:
            self.tax_code.errors = [
                *self.tax_code.errors,
                _("Without a VAT ID, enter your tax code (codice fiscale)."),
            ]
            return False
        return True

    def validate_cc_emails(self, field: TextAreaField) -> None:
        """At most five, each a real address."""
        addresses = parse_cc(field.data or "")
        if len(addresses) > MAX_CC:
            raise ValidationError(_("Enter at most %(max)d addresses.", max=MAX_CC))
        # Imported here: email_validator and idna stay out of the workers that never check one.
        from email_validator import EmailNotValidError, validate_email

        for address in addresses:
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError:
                raise ValidationError(
                    _("%(address)s is not a valid e-mail address.", address=shorten(address))
                ) from None

    def registry_answer(self, account_id: int) -> RegistryAnswer | None:
        """After `validate`: the EU registry's (VIES) answer about the typed VAT ID, where it
        has a say; a VAT ID it reports as not valid becomes the field's error (then check
        `errors` again). Unknown answers pass: the billing info is saved, VAT is charged."""
        answer = vies.answer_before_saving(account_id, self.country.data or "", self.vat_id.data)
        if answer is not None and answer.verdict is RegistryVerdict.INVALID:
            self.vat_id.errors = [
                *self.vat_id.errors,
                _(
                    "The EU VAT registry (VIES) reports %(vat_id)s as not valid. Check the VAT "
                    "ID, or leave it empty: VAT is then charged.",
                    vat_id=answer.vat_id,
                ),
            ]
            return None
        return answer

    def validate_vat_id(self, field: StringField) -> None:
        """Checked offline for format and checksum against the chosen country."""
        if not (field.data or "").strip():
            return
        try:
            field.data = normalize_vat_id(self.country.data or "", field.data)
        except InvalidVatId as error:
            messages = {
                "country": _("This VAT ID belongs to another country than the one chosen."),
                "checksum": _("This VAT ID is not valid: its check digit does not match."),
            }
            raise ValidationError(
                messages.get(
                    error.reason, _("This VAT ID is not valid: check its format and digits.")
                )
            ) from None


# A ceiling as typed: euro, with a decimal point or comma and at most two decimals.
_EURO_AMOUNT = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?")


def parse_euro_cents(text: str) -> int | None:
    """'50000', '50000.5' or '50000,50' in cents; None when it is not such an amount."""
    found = _EURO_AMOUNT.fullmatch(re.sub(r"\s+", "", text or ""))
    if found is None:
        return None
    return int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))


class LetterOfIntentForm(PortalForm):
    """A letter of intent as its receipt gives it; the PDF is read beside the form."""

    protocol = StringField(
        _l("Protocol number of the receipt"),
        description=_l(
            "As on the Agenzia delle Entrate's receipt: 17 digits, a dash and 6 digits."
        ),
        validators=[
            DataRequired(message=_l("Enter the protocol number of the receipt.")),
            Length(max=40),
        ],
    )
    issued_on = DateField(
        _l("Date of the receipt"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    valid_from = DateField(
        _l("Valid from"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    valid_to = DateField(_l("Valid until"), validators=[InputRequired(message=_l("Enter a date."))])
    ceiling = StringField(
        _l("Ceiling in euro"),
        description=_l("The amount the letter covers, such as 50000 or 50000,00."),
        validators=[DataRequired(message=_l("Enter the ceiling amount.")), Length(max=20)],
    )
    submit = SubmitField(_l("Upload the letter"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        """The PDF's errors are kept beside the fields' (the file is no field of the form)."""
        super().__init__(*args, **kwargs)
        self.pdf_errors: list[str] = []

    def validate_protocol(self, field: StringField) -> None:
        """17 digits, a dash and 6 digits, the first six a day (YYMMDD)."""
        try:
            field.data = normalize_protocol(field.data or "")
        except InvalidProtocol:
            raise ValidationError(
                _(
                    "The protocol number is 17 digits, a dash and 6 digits, such as "
                    "21012345678901234-000001."
                )
            ) from None

    def validate_ceiling(self, field: StringField) -> None:
        """Euro with at most two decimals, above zero."""
        cents = parse_euro_cents(field.data or "")
        if cents is None or cents <= 0:
            raise ValidationError(_("Enter an amount in euro above zero, such as 50000,00."))

    def validate(self, extra_validators: Any = None) -> bool:
        """Field by field, then the dates in order."""
        valid = super().validate(extra_validators)
        if valid and self.valid_to.data < self.valid_from.data:
            self.valid_to.errors = [_("The end of validity cannot be before its start.")]
            return False
        return valid

    def ceiling_cents(self) -> int:
        """The validated ceiling in cents."""
        cents = parse_euro_cents(self.ceiling.data or "")
        assert cents is not None
        return cents
