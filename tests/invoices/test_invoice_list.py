"""The invoices page: newest first, paged, paid/open filter, credit notes, other accounts."""

from __future__ import annotations

from datetime import date, timedelta

from portal.models import InvoiceStatus, Role


def test_list_shows_number_date_period_total_status(customer, issue):
    issue(customer.account_id, agents=2)
    page = customer.client.get("/billing/invoices/")
    assert page.status_code == 200
    assert "INV-2026-000001" in page.text
    assert "Nov 13, 2026" in page.text
    assert "€36.60" in page.text
    assert "Paid" in page.text
    assert "/billing/invoices/1/pdf" in page.text


def test_newest_first_and_paged(customer, issue):
    for day in range(25):
        issue(customer.account_id, agents=1, on=date(2026, 1, 1) + timedelta(days=day))
    first = customer.client.get("/billing/invoices/").text
    assert first.index("INV-2026-000025") < first.index("INV-2026-000024")
    assert "INV-2026-000001" not in first
    assert "Page 1 of 2" in first
    second = customer.client.get("/billing/invoices/?page=2").text
    assert "INV-2026-000001" in second
    assert "INV-2026-000025" not in second
    assert customer.client.get("/billing/invoices/?page=99").status_code == 200


def test_paid_and_open_filter(customer, issue):
    issue(customer.account_id, agents=1)
    issue(customer.account_id, agents=2, status=InvoiceStatus.OPEN)
    paid = customer.client.get("/billing/invoices/?status=paid").text
    assert "INV-2026-000001" in paid and "INV-2026-000002" not in paid
    open_ = customer.client.get("/billing/invoices/?status=open").text
    assert "INV-2026-000002" in open_ and "INV-2026-000001" not in open_
    assert "/billing/invoices/2/pay" in open_
    assert customer.client.get("/billing/invoices/?status=bogus").status_code == 200


def test_other_accounts_invoices_are_not_listed(customer, issue, other_account_invoice):
    issue(customer.account_id)
    page = customer.client.get("/billing/invoices/").text
    assert "€36.60" in page
    assert "€102.48" not in page  # the other company's 7 agents


def test_members_cannot_see_invoices(client, auth, factory):
    account = factory.account("Members S.r.l.")
    factory.user("agent@members.example.com", Role.MEMBER, account)
    auth.login("agent@members.example.com")
    assert client.get("/billing/invoices/").status_code == 403


def test_credit_note_is_listed_with_the_invoice_it_corrects(standard_customer):
    standard_customer.add_card()
    # 3 -> 5 agents (an invoice), then 5 -> 3 (a credit note correcting it).
    up = standard_customer.payment_form(
        plan="standard", period="monthly", currency="EUR", agents="5", packs="0"
    )
    assert standard_customer.pay(up).status_code == 302
    down = standard_customer.payment_form(
        plan="standard", period="monthly", currency="EUR", agents="3", packs="0"
    )
    assert standard_customer.pay(down).status_code == 302
    page = standard_customer.client.get("/billing/invoices/").text
    assert "CN-2026-000001" in page
    assert "corrects INV-2026-000001" in page
    assert "-€21.96" in page
