"""A decrease's credit notes name the invoices whose charges they reverse, never over them.

The walkthrough: buy 5 agents (an invoice), add 2 (another), remove 3. The credit was one note
for more than the second invoice held, naming only that one. Now each invoice that charged a
removed agent gets a note of its own for that agent's reversal.
"""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice
from tests.wizard.conftest import read_form

STANDARD = {"plan": "standard", "period": "monthly", "currency": "EUR"}


def seats(customer, agents: int) -> str:
    """Open the seat page for `agents` and press Pay or Confirm; the page's text."""
    page = customer.client.get(f"/package/edit/seats?agents={agents}&packs=0")
    response = customer.client.post("/package/edit/pay", data=read_form(page.text, "pay-form"))
    assert response.status_code == 302, response.text
    return page.text


def documents(app) -> list[Invoice]:
    """Every document, in the order issued, detached with its lines."""
    with app.app_context():
        found = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        for document in found:
            _ = document.lines
        db.session.expunge_all()
        return list(found)


def credited_against(notes: list[Invoice], invoice: Invoice) -> int:
    """What the notes took back from the invoice, as a positive total."""
    return -sum(note.total_minor for note in notes if note.corrects_id == invoice.id)


def test_increase_decrease_increase_decrease_credits_the_right_invoices(app, clock, customer):
    customer.add_card()
    form = customer.payment_form(**STANDARD, agents="5")
    assert customer.pay(form).status_code == 302  # 13 Nov: the period to 13 Dec
    clock.advance(days=3)
    seats(customer, 7)  # +2 agents
    clock.advance(days=2)
    page = seats(customer, 4)  # −3: two are the increase's, one the purchase's

    first, added, *notes = documents(app)
    assert (first.number, added.number) == ("INV-2026-000001", "INV-2026-000002")
    assert [note.number for note in notes] == ["CN-2026-000001", "CN-2026-000002"]
    assert [note.corrects_id for note in notes] == [added.id, first.id]
    assert [[line.quantity for line in note.lines] for note in notes] == [[2], [1]]
    for invoice in (first, added):
        assert 0 < credited_against(notes, invoice) <= invoice.total_minor
    # The summary's credit is the sum of the notes, to the cent.
    total = sum(note.total_minor for note in notes)
    assert f"-€{-total / 100:.2f}" in page or f"−€{-total / 100:.2f}" in page
    assert customer.account().credit_minor == -total

    clock.advance(days=4)
    seats(customer, 6)  # +2 again: paid from the credit first
    clock.advance(days=1)
    seats(customer, 2)  # −4: the new increase's 2, then 2 more of the purchase's

    every = documents(app)
    invoices = [d for d in every if d.kind == "invoice"]
    notes = [d for d in every if d.kind == "credit_note"]
    third = invoices[2]
    last_two = notes[-2:]
    assert [note.corrects_id for note in last_two] == [third.id, first.id]
    assert [[line.quantity for line in note.lines] for note in last_two] == [[2], [2]]
    for invoice in invoices:
        assert credited_against(notes, invoice) <= invoice.total_minor, invoice.number
    # The second invoice's two agents went with the first decrease: nothing more from it.
    assert credited_against(notes, added) == credited_against(notes[:2], added)

    pdf = customer.client.get(f"/billing/invoices/{last_two[1].id}/pdf").data
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Corrects invoice {first.number}" in text


def test_an_increase_and_a_decrease_on_one_day_cancel_to_the_cent(app, clock, customer):
    customer.add_card()
    assert customer.pay(customer.payment_form(**STANDARD, agents="3")).status_code == 302
    clock.advance(days=14)
    seats(customer, 5)
    seats(customer, 3)
    _purchase, increase, note = documents(app)
    assert note.corrects_id == increase.id
    assert note.total_minor == -increase.total_minor
    assert [(line.quantity, -line.amount_minor) for line in note.lines] == [(2, increase.net_minor)]
