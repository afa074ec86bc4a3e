"""Issue invoices and credit notes from a breakdown, numbered in a gapless sequence per year."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from portal.domain.pricing import ChangeKind, PriceBreakdown, compute_vat
from portal.domain.tax import TaxKind, TaxTreatment
from portal.extensions import db, matched_rows
from portal.issued import mark_issued
from portal.letters.ceiling import CeilingExceeded, give_back, use_ceiling
from portal.models import (
    Account,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    SequenceKind,
)
from portal.sequences import next_number, take_numbers

NUMBER_PREFIX = {DocumentKind.INVOICE: "INV", DocumentKind.CREDIT_NOTE: "CN"}


def document_number(kind: DocumentKind, year: int, sequence: int) -> str:
    """The number printed on a document: INV-2026-000001, CN-2026-000001."""
    return f"{NUMBER_PREFIX[kind]}-{year}-{sequence:06d}"


def seller_details() -> dict[str, Any]:
    """The vendor as it appears on documents, from the settings."""
    config = current_app.config
    return {
        "name": config["SELLER_NAME"],
        "address": config["SELLER_ADDRESS"],
        "country": config["SELLER_COUNTRY"],
        "vat_id": config["SELLER_VAT_ID"],
        "email": config["SELLER_EMAIL"],
        # The address in parts and the tax regime, for the e-invoice.
        "street": config["SELLER_STREET"],
        "postal_code": config["SELLER_POSTAL_CODE"],
        "city": config["SELLER_CITY"],
        "province": config["SELLER_PROVINCE"],
        "tax_regime": config["SELLER_TAX_REGIME"],
    }


# What a document keeps of the customer's billing info (the parties block of its PDF, the
# e-invoice's buyer): the rest (copies, language, delivery) says how it is sent, not to whom.
CUSTOMER_ON_DOCUMENTS = (
    "company",
    "contact_name",
    "address",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "billing_email",
    # An Italian customer's e-invoice delivery (empty elsewhere): the FatturaPA builder reads them.
    "recipient_code",
    "pec",
    "tax_code",
)
# The key of a VAT-free document's customer snapshot that cites its letter of intent
# ({"protocol", "issued_on", "id"}); the FatturaPA builder writes Natura N3.5 from it.
LETTER_KEY = "letter_of_intent"


def customer_details(account: Account) -> dict[str, Any]:
    """The customer as its billing info says now."""
    info = account.billing_info
    if info is None:
        return {"company": account.name}
    return {name: getattr(info, name) for name in CUSTOMER_ON_DOCUMENTS}


def issue_document(
    account: Account,
    breakdown: PriceBreakdown,
    *,
    issued_on: date,
    paid_with: str,
    status: InvoiceStatus,
    corrects: Invoice | None = None,
    purchase_order: str | None = None,
    quote_number: str = "",
) -> Invoice:
    """Write the breakdown as an invoice (or a credit note when its total is negative)."""
    invoice = build_document(
        account,
        breakdown,
        issued_on=issued_on,
        paid_with=paid_with,
        status=status,
        corrects=corrects,
        purchase_order=purchase_order,
        quote_number=quote_number,
    )
    number_documents([invoice])
    return invoice


def build_document(
    account: Account,
    breakdown: PriceBreakdown,
    *,
    issued_on: date,
    paid_with: str,
    status: InvoiceStatus,
    corrects: Invoice | None = None,
    purchase_order: str | None = None,
    quote_number: str = "",
) -> Invoice:
    """The document of a breakdown, not numbered yet: `number_documents` numbers and adds it.

    Its purchase-order number is the billing info's unless one is given for it (a quote's).
    """
    kind = DocumentKind.CREDIT_NOTE if breakdown.is_credit_note else DocumentKind.INVOICE
    info = account.billing_info
    if purchase_order is None:
        purchase_order = info.purchase_order if info else ""
    document = Invoice(
        account_id=account.id,
        kind=kind,
        year=issued_on.year,
        issued_on=issued_on,
        period_start=breakdown.period.start,
        period_end=breakdown.period.end,
        currency=breakdown.currency,
        net_minor=breakdown.net_minor,
        vat_minor=breakdown.vat_minor,
        total_minor=breakdown.total_minor,
        credit_used_minor=breakdown.credit_used_minor,
        amount_due_minor=breakdown.amount_due_minor,
        vat_rate=breakdown.tax.rate,
        tax_kind=breakdown.tax.kind,
        status=status,
        paid_with=paid_with,
        change_kind=breakdown.kind,
        seller=seller_details(),
        customer=customer_details(account),
        language=info.invoice_language if info else "en",
        corrects_id=corrects.id if corrects else None,
        note="",
        purchase_order=purchase_order,
        quote_number=quote_number,
        lines=[
            InvoiceLine(
                position=position,
                kind=line.kind,
                plan=line.plan,
                billing_period=line.period,
                quantity=line.quantity,
                unit_minor=line.unit_minor,
                days=line.days,
                of_days=line.of_days,
                start=line.start,
                end=line.end,
                amount_minor=line.amount_minor,
            )
            for position, line in enumerate(breakdown.lines, start=1)
        ],
    )
    cite_letter(document, breakdown.tax, corrects)
    return document


def cite_letter(document: Invoice, tax: TaxTreatment, corrects: Invoice | None) -> None:
    """A VAT-free document under a letter of intent cites the letter in its customer snapshot
    and moves its ceiling: an invoice takes its net (CeilingExceeded when it no longer fits),
    a credit note gives back what it credits of the invoice it corrects."""
    if document.tax_kind != TaxKind.LETTER_OF_INTENT:
        return
    citation: dict[str, Any] | None = None
    if document.kind == DocumentKind.INVOICE:
        if tax.letter is None:
            raise CeilingExceeded("a VAT-free invoice without the letter it is issued under")
        use_ceiling(tax.letter, document.account_id, document.net_minor)
        citation = tax.letter.as_data()
    else:
        if corrects is not None:
            citation = (corrects.customer or {}).get(LETTER_KEY)
        elif tax.letter is not None:
            citation = tax.letter.as_data()
        if citation is not None:
            give_back(int(citation["id"]), -document.net_minor)
    if citation is not None:
        document.customer = {**(document.customer or {}), LETTER_KEY: citation}


def corrects_by_invoice(breakdown: PriceBreakdown) -> bool:
    """Whether the breakdown's credit is one credit note per invoice it corrects (a decrease
    whose credit lines name the invoices that charged the removed units)."""
    return breakdown.is_credit_note and any(
        vat_line.corrects is not None for vat_line in breakdown.vat_lines
    )


def build_credit_notes(
    account: Account, breakdown: PriceBreakdown, *, issued_on: date, paid_with: str
) -> list[Invoice]:
    """A decrease's credit notes, not numbered yet: one per invoice whose charge it reverses
    (newest first), each with that invoice's lines, its VAT treatment and its own VAT, and
    naming it; credit that no invoice of the period charged gets a note naming none."""
    numbers = [v.corrects for v in breakdown.vat_lines if v.corrects is not None]
    corrected = {
        invoice.number: invoice
        for invoice in db.session.scalars(
            select(Invoice).where(Invoice.account_id == account.id, Invoice.number.in_(numbers))
        )
    }
    notes = []
    for vat_line in breakdown.vat_lines:
        invoice = corrected.get(vat_line.corrects or "")
        total = vat_line.base_minor + vat_line.vat_minor
        tax = breakdown.tax
        if invoice is not None:
            tax = replace(tax, kind=TaxKind(invoice.tax_kind), rate=vat_line.rate)
        part = replace(
            breakdown,
            tax=tax,
            lines=tuple(line for line in breakdown.lines if line.corrects == vat_line.corrects),
            net_minor=vat_line.base_minor,
            vat_lines=(vat_line,),
            vat_minor=vat_line.vat_minor,
            total_minor=total,
            credit_used_minor=0,
            amount_due_minor=0,
            credit_added_minor=-total,
        )
        notes.append(
            build_document(
                account,
                part,
                issued_on=issued_on,
                paid_with=paid_with,
                status=InvoiceStatus.PAID,
                corrects=invoice,
            )
        )
    return notes


def number_documents(documents: list[Invoice]) -> None:
    """Number built documents in order, one sequence update per kind and year, and flush them.

    Numbers are taken last, so the sequence row is held from here to the caller's commit only.
    """
    groups: dict[tuple[DocumentKind, int], list[Invoice]] = {}
    for document in documents:
        groups.setdefault((DocumentKind(document.kind), document.year), []).append(document)
    for (kind, year), group in groups.items():
        first = take_numbers(SequenceKind(kind.value), year, len(group))
        for sequence, document in enumerate(group, start=first):
            document.sequence = sequence
            document.number = document_number(kind, year, sequence)
    db.session.add_all(documents)
    db.session.flush()
    mark_issued(db.session(), documents)


def _copied_lines(invoice: Invoice, *, sign: int) -> list[InvoiceLine]:
    """The invoice's lines for another document: as they are (1) or turned round (-1)."""
    return [
        InvoiceLine(
            position=line.position,
            kind=line.kind,
            plan=line.plan,
            billing_period=line.billing_period,
            quantity=line.quantity,
            unit_minor=line.unit_minor,
            days=line.days,
            of_days=line.of_days,
            start=line.start,
            end=line.end,
            amount_minor=sign * line.amount_minor,
        )
        for line in invoice.lines
    ]


def issue_reversal(
    invoice: Invoice, *, issued_on: date, change_kind: ChangeKind, paid_with: str
) -> Invoice:
    """A credit note taking back a whole invoice: its lines and amounts with the sign turned.

    Numbered in the credit notes' own sequence and referring to the invoice; the amounts
    stay those of the invoice (the same VAT rate and treatment), whatever prices say today.
    """
    sequence = next_number(SequenceKind.CREDIT_NOTE, issued_on.year)
    note = Invoice(
        account_id=invoice.account_id,
        kind=DocumentKind.CREDIT_NOTE,
        year=issued_on.year,
        sequence=sequence,
        number=document_number(DocumentKind.CREDIT_NOTE, issued_on.year, sequence),
        issued_on=issued_on,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        net_minor=-invoice.net_minor,
        vat_minor=-invoice.vat_minor,
        total_minor=-invoice.total_minor,
        credit_used_minor=0,
        amount_due_minor=0,
        vat_rate=invoice.vat_rate,
        tax_kind=invoice.tax_kind,
        status=InvoiceStatus.PAID,
        paid_with=paid_with,
        change_kind=change_kind,
        seller=seller_details(),
        # The customer the invoice was addressed to: a note cancelling an invoice goes to the
        # same party (a reissue's new details are the replacing invoice's).
        customer=dict(invoice.customer),
        language=invoice.language,
        corrects_id=invoice.id,
        note="",
        purchase_order=invoice.purchase_order,
        quote_number=invoice.quote_number,
        lines=_copied_lines(invoice, sign=-1),
    )
    cite_letter(note, TaxTreatment(TaxKind(invoice.tax_kind), Decimal(0), "", ""), invoice)
    db.session.add(note)
    db.session.flush()
    mark_issued(db.session(), [note])
    return note


def issue_replacement(
    invoice: Invoice,
    account: Account,
    *,
    tax: TaxTreatment,
    issued_on: date,
    status: InvoiceStatus,
    credit_used_minor: int,
    paid_with: str,
) -> Invoice:
    """A new invoice with the lines of `invoice` and the account's details and VAT treatment
    as they are now, naming the invoice it replaces (cancelled by a reissue's credit note).

    Net and lines stay the invoice's; VAT is worked out again at `tax`'s rate.
    """
    sequence = next_number(SequenceKind.INVOICE, issued_on.year)
    vat = compute_vat(invoice.net_minor, tax.rate)
    total = invoice.net_minor + vat
    info = account.billing_info
    replacement = Invoice(
        account_id=invoice.account_id,
        kind=DocumentKind.INVOICE,
        year=issued_on.year,
        sequence=sequence,
        number=document_number(DocumentKind.INVOICE, issued_on.year, sequence),
        issued_on=issued_on,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        net_minor=invoice.net_minor,
        vat_minor=vat,
        total_minor=total,
        credit_used_minor=credit_used_minor,
        amount_due_minor=total - credit_used_minor,
        vat_rate=tax.rate,
        tax_kind=tax.kind,
        status=status,
        paid_with=paid_with,
        change_kind=invoice.change_kind,
        seller=seller_details(),
        customer=customer_details(account),
        language=info.invoice_language if info else invoice.language,
        replaces_id=invoice.id,
        note="",
        purchase_order=info.purchase_order if info else invoice.purchase_order,
        quote_number=invoice.quote_number,
        lines=_copied_lines(invoice, sign=1),
    )
    cite_letter(replacement, tax, None)
    db.session.add(replacement)
    db.session.flush()
    mark_issued(db.session(), [replacement])
    return replacement


def cancel_open(invoice: Invoice) -> bool:
    """Mark an open invoice cancelled, once: False when it was not open any more.

    Conditional, so two runs at once (SQLite has no row locks) cancel it once.
    """
    taken = db.session.execute(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.status == InvoiceStatus.OPEN)
        .values(status=InvoiceStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if matched_rows(taken) != 1:
        return False
    invoice.status = InvoiceStatus.CANCELLED
    return True


def cancel_unpaid(account: Account, *, issued_on: date) -> list[Invoice]:
    """Take back the account's open invoices with credit notes; the caller commits.

    For a renewal that was never paid: once its period is over, or when the account buys a
    new package instead. Nothing was paid, so nothing becomes credit, except the account
    credit the invoice had used: that goes back (the note shows it as negative credit used).
    """
    notes = []
    for invoice in db.session.scalars(
        select(Invoice)
        .where(Invoice.account_id == account.id, Invoice.status == InvoiceStatus.OPEN)
        .order_by(Invoice.id)
    ).all():
        if not cancel_open(invoice):
            continue
        note = issue_reversal(
            invoice, issued_on=issued_on, change_kind=ChangeKind.CANCELLATION, paid_with=""
        )
        note.credit_used_minor = -invoice.credit_used_minor
        account.credit_minor += invoice.credit_used_minor
        notes.append(note)
    return notes


def latest_invoice(account_id: int) -> Invoice | None:
    """The latest invoice (not credit note): credit notes correct it, billing info follows."""
    return db.session.scalar(
        select(Invoice)
        .where(Invoice.account_id == account_id, Invoice.kind == DocumentKind.INVOICE)
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(1)
    )
