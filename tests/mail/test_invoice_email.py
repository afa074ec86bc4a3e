"""The invoice e-mail after a purchase: recipients, attachment, language, opt-out, retries."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime
from itertools import pairwise

from sqlalchemy import select

from portal import clock as portal_clock
from portal.extensions import db
from portal.mail.outbox import BACKOFF
from portal.models import Role, User
from tests.mail.conftest import (
    BILLING_EMAIL,
    REFUSAL,
    buy,
    invoices,
    queued_emails,
    set_billing,
)
from tests.wizard.conftest import Customer


def test_invoice_goes_to_the_billing_email_and_copies_with_the_pdf(customer, smtp_server, clock):
    set_billing(
        customer.app,
        customer.account_id,
        contact_name="Giulia <Bianchi> & Co",
        cc_emails=["amministrazione@bottega.example.com", "BILLING@bottega.example.com", " "],
    )
    buy(customer)

    [received] = smtp_server.received
    assert received.mail_from == "invoices@chatdesk.example.com"
    assert received.rcpt_tos == [BILLING_EMAIL, "amministrazione@bottega.example.com"]
    message = received.message
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Chatdesk S.r.l.",
        "invoices@chatdesk.example.com",
    )
    assert message["To"] == BILLING_EMAIL
    assert message["Cc"] == "amministrazione@bottega.example.com"
    assert message["Subject"] == "Invoice INV-2026-000001 from Chatdesk S.r.l."
    assert parsedate_to_datetime(message["Date"]) == clock()
    assert message["Message-ID"].endswith("@chatdesk.example.com>")

    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "INV-2026-000001.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    [invoice] = invoices(customer.app)
    download = customer.client.get(f"/billing/invoices/{invoice.id}/pdf")
    assert download.data == pdf  # the very document the portal serves

    text = message.get_body(("plain",)).get_content()
    assert "Hello Giulia <Bianchi> & Co," in text
    assert "invoice INV-2026-000001 of November 13, 2026" in text
    assert "Period: November 13, 2026 \N{EN DASH} December 13, 2026" in text
    assert "Total: €36.60" in text
    assert "Paid in full." in text
    html = message.get_body(("html",)).get_content()
    assert "Giulia &lt;Bianchi&gt; &amp; Co" in html
    assert "<Bianchi>" not in html

    [email] = queued_emails(customer.app)
    assert (email.kind, email.status, email.attempts) == ("invoice", "sent", 1)
    assert portal_clock.as_utc(email.sent_at) == clock()
    assert email.invoice_id == invoice.id


def test_at_most_five_copies(customer, smtp_server):
    copies = [f"copy{index}@bottega.example.com" for index in range(1, 8)]
    set_billing(customer.app, customer.account_id, cc_emails=copies)
    buy(customer)
    [received] = smtp_server.received
    assert received.rcpt_tos == [BILLING_EMAIL, *copies[:5]]
    assert received.message["Cc"] == ", ".join(copies[:5])


def test_italian_invoice_language_formats_money_and_dates_in_italian(customer, smtp_server):
    set_billing(customer.app, customer.account_id, invoice_language="it")
    with customer.app.app_context():  # the buyer reads the portal in French
        db.session.scalar(select(User).where(User.account_id == customer.account_id)).locale = "fr"
        db.session.commit()
    assert "Mon forfait" in customer.client.get("/package").text
    buy(customer)
    [received] = smtp_server.received
    message = received.message
    assert message["Content-Language"] == "it"
    text = message.get_body(("plain",)).get_content()
    assert "36,60\xa0€" in text
    assert "13 novembre 2026" in text
    assert "INV-2026-000001" in text
    assert '<html lang="it">' in message.get_body(("html",)).get_content()
    [email] = queued_emails(customer.app)
    assert email.language == "it"


def test_italian_invoice_language_gets_an_italian_subject(customer, smtp_server):
    set_billing(customer.app, customer.account_id, invoice_language="it")
    buy(customer)
    subject = smtp_server.received[0].message["Subject"]
    assert "INV-2026-000001" in subject
    assert "fattura" in subject.lower()


def test_opting_out_queues_nothing_and_the_payment_stands(customer, smtp_server):
    set_billing(customer.app, customer.account_id, invoices_by_email=False)
    response = buy(customer)
    assert "INV-2026-000001" in customer.client.get(response.headers["Location"]).text
    assert len(invoices(customer.app)) == 1
    assert queued_emails(customer.app) == []
    assert smtp_server.received == []


def test_credit_note_for_fewer_agents(app, client, auth, factory, smtp_server, clock):
    account_id = factory.account("Caffè S.r.l.", country="IT")
    set_billing(app, account_id, billing_email="conti@caffe.example.com")
    factory.subscription(account_id, agents=3, anchor=clock.today().replace(day=1))
    factory.user("admin@caffe.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("admin@caffe.example.com")
    customer = Customer(client, app, account_id)
    form = customer.payment_form(plan="standard", period="monthly", currency="EUR", agents="1")
    assert customer.pay(form).status_code == 302

    [credit_note] = invoices(app)
    assert credit_note.kind == "credit_note"
    [received] = smtp_server.received
    message = received.message
    assert received.rcpt_tos == ["conti@caffe.example.com"]
    assert message["Subject"] == f"Credit note {credit_note.number} from Chatdesk S.r.l."
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{credit_note.number}.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    text = message.get_body(("plain",)).get_content()
    assert f"credit note {credit_note.number}" in text
    assert "Total: -€" in text
    assert queued_emails(app)[0].kind == "credit_note"


def test_a_refused_first_try_is_retried_later_and_sent_once(customer, smtp_server, clock, runner):
    smtp_server.refuse_next(1)
    response = buy(customer)
    assert customer.client.get(response.headers["Location"]).status_code == 200

    [email] = queued_emails(customer.app)
    assert (email.status, email.attempts) == ("pending", 1)
    assert REFUSAL in email.last_error
    assert portal_clock.as_utc(email.next_attempt_at) == clock() + BACKOFF[0]
    assert smtp_server.received == []

    not_yet = runner.invoke(args=["mail", "deliver"])
    assert (not_yet.exit_code, not_yet.output) == (0, "sent 0, retried 0, failed 0\n")
    assert smtp_server.received == []

    clock.advance(minutes=1)
    due = runner.invoke(args=["mail", "deliver"])
    assert (due.exit_code, due.output) == (0, "sent 1, retried 0, failed 0\n")
    clock.advance(days=1)
    again = runner.invoke(args=["mail", "deliver"])
    assert again.output == "sent 0, retried 0, failed 0\n"

    [received] = smtp_server.received
    assert received.message["Subject"] == "Invoice INV-2026-000001 from Chatdesk S.r.l."
    [email] = queued_emails(customer.app)
    assert (email.status, email.attempts) == ("sent", 2)


def test_backoff_then_giving_up_exits_with_an_error(customer, smtp_server, clock, runner):
    smtp_server.refuse_next(100)
    buy(customer)  # the first attempt, right after the payment
    for wait, next_wait in pairwise(BACKOFF):
        clock.advance(seconds=wait.total_seconds())
        result = runner.invoke(args=["mail", "deliver"])
        assert (result.exit_code, result.output) == (0, "sent 0, retried 1, failed 0\n")
        [email] = queued_emails(customer.app)
        assert portal_clock.as_utc(email.next_attempt_at) == clock() + next_wait

    clock.advance(seconds=BACKOFF[-1].total_seconds())
    last = runner.invoke(args=["mail", "deliver"])
    assert (last.exit_code, last.output) == (1, "sent 0, retried 0, failed 1\n")
    [email] = queued_emails(customer.app)
    assert (email.status, email.attempts) == ("failed", 6)
    assert REFUSAL in email.last_error

    clock.advance(days=7)
    later = runner.invoke(args=["mail", "deliver"])
    assert (later.exit_code, later.output) == (0, "sent 0, retried 0, failed 0\n")
    assert smtp_server.received == []
    assert sum(BACKOFF, timedelta()) == timedelta(hours=8, minutes=36)
