"""Billing admins list, view, download, reject and accept quotes; every refusal."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.billing.info import FIELDS
from portal.extensions import db
from portal.models import (
    Account,
    BillingActivity,
    Invoice,
    OutgoingEmail,
    Payment,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    QuoteRequest,
    QuoteStatus,
    SalesQuote,
)
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from tests.conftest import at_once, csrf_token_from, post_form
from tests.quotes.conftest import Setting
from tests.wizard.conftest import read_form

FREE = {"agent_discount_kind": "percent", "agent_discount_value": "100"}


def _fingerprint(html: str) -> str:
    """The figures' fingerprint the confirmation form carries."""
    return html.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]


def _confirmation_key(html: str) -> str:
    """The one-time key of this rendering of the confirmation page."""
    return html.split('name="confirmation_key" type="hidden" value="')[1].split('"')[0]


def _add_card(setting: Setting) -> int:
    """Add a Visa card as the billing admin; returns its id."""
    post_form(
        setting.client,
        "/billing/payment-methods/",
        "/billing/payment-methods/cards",
        {
            "holder": "Giulia Bianchi",
            "number": "4242 4242 4242 4242",
            "expiry": "12/30",
            "cvc": "123",
            "make_default": "y",
        },
    )
    with setting.app.app_context():
        return db.session.scalar(select(PaymentMethod.id).order_by(PaymentMethod.id.desc()))


def _accept_all_steps(
    setting: Setting, quote_id: int, *, method: int | None = None, purchase_order: str | None = None
):
    """Walk the four steps as full pages and confirm; returns the confirmation's response."""
    client = setting.client
    step1 = client.get(f"/quotes/{quote_id}/accept")
    assert step1.status_code == 200
    saved = client.post(
        f"/quotes/{quote_id}/accept",
        data={
            "csrf_token": csrf_token_from(step1.text),
            "company": "Acme S.r.l.",
            "contact_name": "Antonín Dvořák",
            "billing_email": "billing@acme.example",
            "country": "IT",
            "vat_id": "",
            "tax_code": "RSSMRA85T10A562S",
            "invoice_language": "it",
            "invoices_by_email": "y",
        },
    )
    assert saved.status_code == 302, saved.text
    assert client.get(saved.headers["Location"]).status_code == 200
    suffix = f"?method={method}" if method else ""
    review = client.get(f"/quotes/{quote_id}/accept/review{suffix}")
    assert review.status_code == 200
    confirm = client.get(f"/quotes/{quote_id}/accept/confirm{suffix}")
    assert confirm.status_code == 200
    return client.post(
        f"/quotes/{quote_id}/accept/confirm",
        data={
            "csrf_token": csrf_token_from(confirm.text),
            "fingerprint": _fingerprint(confirm.text),
            "confirmation_key": _confirmation_key(confirm.text),
            "method": str(method or ""),
            "accept": "y",
            # As the browser sends the field: prefilled, or what the customer typed.
            "purchase_order": (
                _prefilled_purchase_order(confirm.text)
                if purchase_order is None
                else purchase_order
            ),
        },
    )


def _prefilled_purchase_order(html: str) -> str:
    """The value the confirmation step's purchase-order field shows."""
    [tag] = re.findall(r'<input[^>]*name="purchase_order"[^>]*>', html)
    found = re.search(r'value="([^"]*)"', tag)
    return found.group(1) if found else ""


def test_list_view_and_pdf(setting: Setting) -> None:
    """The Quotes page counts open quotes; the detail shows the figures; the PDF has them."""
    quote_id = setting.sent_quote()
    home = setting.client.get("/quotes")
    assert home.status_code == 200
    assert "Q-2026-000001" in home.text and "€1,171.20" in home.text
    assert 'class="badge"' in home.text
    page = setting.client.get(f"/quotes/{quote_id}")
    assert "24 months" in page.text and "€960.00" in page.text
    pdf = setting.client.get(f"/quotes/{quote_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    # Shown in the browser, named by its number, and kept by no cache.
    assert pdf.headers["Content-Disposition"] == "inline; filename=Q-2026-000001.pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in pdf.headers
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Q-2026-000001" in text and "Antonín Dvořák" in text and "€960.00" in text


def test_reject_with_reason_staff_see_it(setting: Setting) -> None:
    """The reason is stored as plain text, shown escaped, logged on both sides."""
    quote_id = setting.sent_quote()
    rejected = post_form(
        setting.client,
        f"/quotes/{quote_id}",
        f"/quotes/{quote_id}/reject",
        {"reason": "<b>Troppo caro</b> per noi"},
    )
    assert rejected.status_code == 302
    assert setting.client.get(f"/quotes/{quote_id}/accept").text.count("rejected") >= 1
    activity = setting.client.get("/billing/activity")
    assert "&lt;b&gt;Troppo caro&lt;/b&gt; per noi" in activity.text
    setting.as_staff()
    staff = setting.client.get(f"/backoffice/quotes/{quote_id}")
    assert "&lt;b&gt;Troppo caro&lt;/b&gt; per noi" in staff.text
    assert "Admin" in staff.text
    assert "Q-2026-000001" in setting.client.get("/backoffice/quotes?status=rejected").text


def test_reject_reason_too_long_or_nul_is_a_form_error(setting: Setting) -> None:
    """501 characters or a NUL byte: 422 with the field's message; nothing rejected."""
    quote_id = setting.sent_quote()
    for reason, message in (
        ("x" * 501, "At most 500 characters."),
        ("ok\x00", "invisible control or text-direction characters"),
    ):
        response = post_form(
            setting.client, f"/quotes/{quote_id}", f"/quotes/{quote_id}/reject", {"reason": reason}
        )
        assert response.status_code == 422
        assert message in response.text
    with setting.app.app_context():
        assert db.session.get(SalesQuote, quote_id).status is QuoteStatus.SENT


def test_accept_through_four_steps_without_payment(setting: Setting) -> None:
    """A fully discounted quote: the four pages, then package, invoice, activity, e-mail."""
    quote_id = setting.sent_quote(**FREE)
    confirmed = _accept_all_steps(setting, quote_id)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/package")
    with setting.app.app_context():
        account = db.session.get(Account, setting.account_id)
        assert account.subscription.agents == 80
        assert account.subscription.agent_unit_minor == 0
        assert account.subscription.contract_ends_on.isoformat() == "2028-11-13"
        quote = db.session.get(SalesQuote, quote_id)
        assert quote.status is QuoteStatus.ACCEPTED
        invoice = db.session.get(Invoice, quote.invoice_id)
        assert invoice.change_kind == "sales_quote"
        # Free agents from 13 November: the unused 18/30 days of 3 agents become credit.
        assert invoice.kind == "credit_note"
        assert invoice.total_minor == -(2700 + 594)
        assert account.credit_minor == 2700 + 594
        kinds = set(db.session.scalars(select(BillingActivity.kind)))
        assert {"quote_sent", "quote_accepted"} <= kinds
        assert db.session.scalar(
            select(func.count(OutgoingEmail.id)).where(OutgoingEmail.invoice_id == invoice.id)
        )
    package = setting.client.get("/package")
    assert "80" in package.text
    # Above 50 agents the seat page works and points to a quote instead of failing.
    assert setting.client.get("/package/edit/seats").status_code == 200


def test_package_changed_after_sending_refuses_acceptance(setting: Setting) -> None:
    """The frozen credit was for 3 agents: after a change to 5 the quote cannot be accepted."""
    quote_id = setting.sent_quote(**FREE)
    with setting.app.app_context():
        account = db.session.get(Account, setting.account_id)
        account.subscription.agents = 5
        db.session.commit()
    page = setting.client.get(f"/quotes/{quote_id}/accept")
    assert "Your package has changed since this quote was sent" in page.text
    detail = setting.client.get(f"/quotes/{quote_id}")
    assert f'href="/quotes/{quote_id}/accept"' not in detail.text
    assert "Your package has changed since this quote was sent" in detail.text


def test_accepting_a_quote_charges_its_first_invoice_once(setting: Setting) -> None:
    """One charge through the payment lifecycle, the quote accepted, its package running."""
    quote_id = setting.sent_quote()
    method = _add_card(setting)
    response = _accept_all_steps(setting, quote_id, method=method)
    assert response.status_code == 302
    assert response.headers["Location"] == "/package"
    with setting.app.app_context():
        quote = db.session.get(SalesQuote, quote_id)
        assert quote.status is QuoteStatus.ACCEPTED
        payment = db.session.scalar(select(Payment))
        assert (payment.status, payment.purpose) == (PaymentStatus.SUCCEEDED, PaymentPurpose.QUOTE)
        assert payment.sales_quote_id == quote_id
        invoice = db.session.get(Invoice, payment.invoice_id)
        assert invoice.amount_due_minor == payment.amount_minor > 0
        charges = db.session.scalars(select(SandboxCharge.amount_minor)).all()
        assert charges == [payment.amount_minor]
    package = setting.client.get("/package")
    assert "accepted" in package.text


def test_vat_id_change_reprices_the_taxes(setting: Setting) -> None:
    """A German VAT ID: reverse charge, VAT 0 on the review page."""
    quote_id = setting.sent_quote()
    page = setting.client.get(f"/quotes/{quote_id}/accept")
    assert "€211.20" in page.text or "€205.26" in page.text
    saved = setting.client.post(
        f"/quotes/{quote_id}/accept",
        data={
            "csrf_token": csrf_token_from(page.text),
            "company": "Acme GmbH",
            "billing_email": "billing@acme.example",
            "country": "DE",
            "vat_id": "DE136695976",
            "invoice_language": "en",
        },
    )
    assert saved.status_code == 302
    review = setting.client.get(f"/quotes/{quote_id}/accept/method")
    assert "Reverse charge" in review.text
    assert 'id="summary-vat">€0.00' in review.text


def test_refusals(setting: Setting) -> None:
    """Expired, accepted twice, withdrawn: the page says why; a forged post is 409."""
    quote_id = setting.sent_quote(**FREE)
    assert _accept_all_steps(setting, quote_id).status_code == 302
    second = setting.client.get(f"/quotes/{quote_id}/accept")
    assert "already been accepted" in second.text
    forged = post_form(
        setting.client,
        f"/quotes/{quote_id}",
        f"/quotes/{quote_id}/accept/confirm",
        {"fingerprint": "x", "accept": "y"},
    )
    assert forged.status_code == 409
    assert "already been accepted" in forged.text


def test_forged_figures_and_expiry(setting: Setting, clock) -> None:
    """A changed fingerprint is 409; after valid-until the quote is expired."""
    quote_id = setting.sent_quote(**FREE)
    forged = post_form(
        setting.client,
        f"/quotes/{quote_id}",
        f"/quotes/{quote_id}/accept/confirm",
        {"fingerprint": "0" * 32, "accept": "y"},
    )
    assert forged.status_code == 409
    assert "figures changed" in forged.text
    clock.advance(days=31)
    page = setting.client.get(f"/quotes/{quote_id}/accept")
    assert "expired" in page.text
    late = post_form(
        setting.client, f"/quotes/{quote_id}", f"/quotes/{quote_id}/reject", {"reason": ""}
    )
    assert late.status_code == 409


def test_other_account_and_member(setting: Setting) -> None:
    """Another account's quote is 404 everywhere; a member gets 403."""
    quote_id = setting.sent_quote()
    setting.as_admin("admin@other.example")
    for url in (f"/quotes/{quote_id}", f"/quotes/{quote_id}/pdf", f"/quotes/{quote_id}/accept"):
        assert setting.client.get(url).status_code == 404
    assert setting.client.get("/quotes/18446744073709551616").status_code == 404
    setting.as_admin("agent@acme.example")
    assert setting.client.get("/quotes").status_code == 403
    assert setting.client.get(f"/quotes/{quote_id}").status_code == 403


def test_two_admins_confirm_at_once_one_invoice(setting: Setting) -> None:
    """Real parallel confirmations: one acceptance, one invoice."""
    quote_id = setting.sent_quote(**FREE)
    clients = []
    for email in ("admin@acme.example", "admin2@acme.example"):
        client = setting.app.test_client()
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "csrf_token": csrf_token_from(page.text),
                "email": email,
                "password": "correct horse battery staple",
            },
        )
        confirm = client.get(f"/quotes/{quote_id}/accept/confirm")
        fingerprint = confirm.text.split('name="fingerprint" type="hidden" value="')[1].split('"')[
            0
        ]
        clients.append(
            (client, csrf_token_from(confirm.text), fingerprint, _confirmation_key(confirm.text))
        )
    results = at_once(
        *(
            (
                lambda c=c, t=t, f=f, k=k: (
                    c.post(
                        f"/quotes/{quote_id}/accept/confirm",
                        data={
                            "csrf_token": t,
                            "fingerprint": f,
                            "confirmation_key": k,
                            "accept": "y",
                        },
                    ).status_code
                )
            )
            for c, t, f, k in clients
        )
    )
    assert sorted(results) == [302, 409]
    with setting.app.app_context():
        assert db.session.scalar(select(func.count(Invoice.id))) == 1


def test_request_a_quote_lands_in_the_queue_and_becomes_a_draft(setting: Setting) -> None:
    """80 agents from the wizard: stored, acknowledged by e-mail, one click to a draft."""
    setting.as_admin()
    query = "plan=pro&period=annual&currency=EUR&agents=80&packs=2"
    response = post_form(
        setting.client,
        f"/package/edit/request-quote?{query}",
        "/package/edit/request-quote",
        {
            "plan": "pro",
            "period": "annual",
            "currency": "EUR",
            "agents": "80",
            "packs": "2",
            "message": "Servono 80 agenti",
        },
    )
    assert response.status_code == 302
    with setting.app.app_context():
        request = db.session.scalar(select(QuoteRequest))
        assert (request.agents, request.packs, request.message) == (80, 2, "Servono 80 agenti")
        assert db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.kind == "quote_request"))
    setting.as_staff()
    queue = setting.client.get("/backoffice/quotes")
    assert "Servono 80 agenti" in queue.text
    draft = post_form(
        setting.client,
        "/backoffice/quotes",
        f"/backoffice/quote-requests/{request.id}/draft",
        {},
    )
    assert draft.status_code == 302
    again = post_form(
        setting.client, "/backoffice/quotes", f"/backoffice/quote-requests/{request.id}/draft", {}
    )
    assert again.headers["Location"] == draft.headers["Location"]
    page = setting.client.get(draft.headers["Location"])
    assert 'value="80"' in page.text
    assert "Servono 80 agenti" not in setting.client.get("/backoffice/quotes").text


def test_two_admins_paying_the_same_quote_at_once_charge_once(setting: Setting) -> None:
    """Real parallel confirmations with an amount due: one charge, one invoice, one 409."""
    quote_id = setting.sent_quote()
    method = _add_card(setting)
    clients = []
    for email in ("admin@acme.example", "admin2@acme.example"):
        client = setting.app.test_client()
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "csrf_token": csrf_token_from(page.text),
                "email": email,
                "password": "correct horse battery staple",
            },
        )
        confirm = client.get(f"/quotes/{quote_id}/accept/confirm?method={method}")
        data = {
            "csrf_token": csrf_token_from(confirm.text),
            "fingerprint": _fingerprint(confirm.text),
            "confirmation_key": _confirmation_key(confirm.text),
            "method": str(method),
            "accept": "y",
        }
        clients.append((client, data))
    results = at_once(
        *(
            (lambda c=c, d=d: c.post(f"/quotes/{quote_id}/accept/confirm", data=d).status_code)
            for c, d in clients
        )
    )
    assert sorted(results) == [302, 409]
    with setting.app.app_context():
        assert db.session.scalar(select(func.count(Invoice.id))) == 1
        assert len(db.session.scalars(select(SandboxCharge)).all()) == 1
        assert db.session.get(SalesQuote, quote_id).status is QuoteStatus.ACCEPTED


def test_a_json_confirmation_is_refused_without_a_server_error(setting: Setting) -> None:
    # Flask-WTF reads a JSON body into a form: its numbers must not reach the key checks.
    quote_id = setting.sent_quote()
    setting.as_admin()
    method = _add_card(setting)
    confirm = setting.client.get(f"/quotes/{quote_id}/accept/confirm?method={method}")
    answer = setting.client.post(
        f"/quotes/{quote_id}/accept/confirm",
        headers={"X-CSRFToken": csrf_token_from(confirm.text)},
        json={
            "fingerprint": _fingerprint(confirm.text),
            "confirmation_key": 12345678,
            "method": method,
            "accept": True,
        },
    )
    assert 400 <= answer.status_code < 500
    with setting.app.app_context():
        assert db.session.scalar(select(func.count(Payment.id))) == 0
        assert db.session.scalar(select(func.count()).select_from(SandboxCharge)) == 0


def test_a_quote_goes_to_billing_admins_in_the_team_only(setting: Setting) -> None:
    # A removed billing admin, or one whose invitation is still waiting, gets no quote.
    with setting.app.app_context():
        from portal import clock
        from portal.models import Role, User

        removed = db.session.scalar(select(User).where(User.email == "admin2@acme.example"))
        removed.removed_at = clock.now()
        db.session.add(
            User(
                email="invited@acme.example",
                name="Invited",
                role=Role.BILLING_ADMIN,
                account_id=setting.account_id,
                invitation_pending=True,
                password_hash="x",
            )
        )
        db.session.commit()
    setting.sent_quote()
    with setting.app.app_context():
        email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.kind == "sales_quote"))
        assert email is not None
        assert sorted(email.recipients) == ["admin@acme.example", "owner@acme.example"]


def _billing_fields(page: str) -> str:
    """The fields of the page's billing info form as drawn, white space flattened (the CSRF
    token and the buttons left out)."""
    [form] = [
        form for form in re.findall(r"<form[^>]*>(.*?)</form>", page, re.S) if "company" in form
    ]
    fields = re.split(r'<input id="submit"|<div class="actions">', form)[0]
    return " ".join(re.sub(r'<input id="csrf_token"[^>]*>', "", fields).split())


def test_the_billing_step_shows_the_billing_info_form_field_for_field(setting: Setting) -> None:
    quote_id = setting.sent_quote()
    step = setting.client.get(f"/quotes/{quote_id}/accept").text
    info = setting.client.get("/billing/info").text
    # The purchase-order number is asked at the last step, for the quote's invoice alone; the
    # e-invoice format is chosen on the billing info page only (the step keeps the saved one).
    missing = [name for name in FIELDS if f'name="{name}"' not in step]
    assert missing in (["purchase_order"], ["purchase_order", "einvoice_format"])
    info_without_order = re.sub(
        r'<div class="(purchase-order|einvoice-format)">.*?</label>.*?</div>', "", info, flags=re.S
    )
    assert 'name="purchase_order"' in info and 'name="purchase_order"' not in info_without_order
    assert _billing_fields(step) == _billing_fields(info_without_order)


def test_a_quote_paid_as_the_first_payment_is_refunded_through_support(setting: Setting) -> None:
    """A lone payment that accepted a negotiated quote: the contract ends through support."""
    quote_id = setting.sent_quote()
    assert _accept_all_steps(setting, quote_id, method=_add_card(setting)).status_code == 302
    package = setting.client.get("/package").text
    assert "agreed in a quote" in package and "Request a full refund" not in package
    token = csrf_token_from(package)
    response = setting.client.post("/package/refund", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 409
    with setting.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxRefund)) == 0


def test_a_quote_accepted_after_a_first_payment_ends_the_refund_offer(setting: Setting) -> None:
    """The walkthrough's case: a seat purchase, then a quote; no refund of both is offered."""
    setting.as_admin()
    method = _add_card(setting)
    seats = setting.client.get("/package/edit/seats?agents=4&packs=0")
    paid = setting.client.post("/package/edit/pay", data=read_form(seats.text, "pay-form"))
    assert paid.status_code == 302, paid.text
    package = setting.client.get("/package").text
    assert "Request a full refund" in package  # the seat purchase alone: still offered
    quote_id = setting.sent_quote()
    assert _accept_all_steps(setting, quote_id, method=method).status_code == 302
    package = setting.client.get("/package").text
    assert "Request a full refund" not in package and "agreed in a quote" not in package
    token = csrf_token_from(package)
    response = setting.client.post("/package/refund", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 403
    with setting.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SandboxRefund)) == 0


def test_the_invoice_of_an_accepted_quote_names_the_quote_and_the_purchase_order(
    setting: Setting,
) -> None:
    """The PO given at the last step goes on this invoice (prefilled with the billing info's,
    which stays as it was); the quote's number too: PDF, invoice list, back office."""
    with setting.app.app_context():
        db.session.get(Account, setting.account_id).billing_info.purchase_order = "ACME-2026"
        db.session.commit()
    quote_id = setting.sent_quote()
    method = _add_card(setting)
    confirm = setting.client.get(f"/quotes/{quote_id}/accept/confirm?method={method}").text
    assert _prefilled_purchase_order(confirm) == "ACME-2026"
    long = _accept_all_steps(setting, quote_id, method=method, purchase_order="P" * 36)
    assert long.status_code == 422 and "purchase_order-error" in long.text
    response = _accept_all_steps(setting, quote_id, method=method, purchase_order=" PO 77/B ")
    assert response.status_code == 302, response.text
    with setting.app.app_context():
        quote = db.session.get(SalesQuote, quote_id)
        invoice = db.session.get(Invoice, quote.invoice_id)
        assert (invoice.purchase_order, invoice.quote_number) == ("PO 77/B", quote.number)
        info = db.session.get(Account, setting.account_id).billing_info
        assert info.purchase_order == "ACME-2026"
        invoice_id, number = invoice.id, quote.number
    pdf = setting.client.get(f"/billing/invoices/{invoice_id}/pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert number in text and "PO 77/B" in text  # in Italian, the invoice's language
    listing = setting.client.get("/billing/invoices/").text
    assert f"{number}" in listing and "PO 77/B" in listing
    setting.as_staff()
    staff = setting.client.get(f"/backoffice/accounts/{setting.account_id}").text
    assert f"{number}" in staff and "PO 77/B" in staff and "ACME-2026" in staff
