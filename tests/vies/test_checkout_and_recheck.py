"""No answer from the registry: the purchase is charged the customer country's VAT and says
why; `flask vat recheck` (or the next checkout) later confirms the VAT ID, and reverse charge
applies from then on while the earlier invoice keeps its VAT."""

from __future__ import annotations

from sqlalchemy import select

from portal import vies
from portal.domain.vat_registry import RegistryAnswer, RegistryVerdict
from portal.extensions import db
from portal.models import BillingActivity, Invoice, VatCheck
from tests.vies.conftest import GERMAN_VAT_ID
from tests.vies.fake_vies import INVALID, SLOW

STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}
STANDARD_THREE = {**STANDARD_ONE, "agents": "3"}


def _invoices(app, account_id):
    with app.app_context():
        rows = db.session.scalars(
            select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.id)
        ).all()
        db.session.expunge_all()
        return rows


def _verdicts(app, account_id):
    with app.app_context():
        return [
            (row.verdict.value, row.reason)
            for row in db.session.scalars(
                select(VatCheck).where(VatCheck.account_id == account_id).order_by(VatCheck.id)
            )
        ]


def _vat_activity(app, account_id):
    with app.app_context():
        return [
            entry.details["verdict"]
            for entry in db.session.scalars(
                select(BillingActivity)
                .where(
                    BillingActivity.account_id == account_id,
                    BillingActivity.kind == "vat_id_check",
                )
                .order_by(BillingActivity.id)
            )
        ]


def _record(app, account_id, verdict, reason="", *, at=None):
    with app.app_context():
        answer = RegistryAnswer(GERMAN_VAT_ID, verdict, at or app.config["NOW"](), reason=reason)
        vies.record_answer(account_id, None, answer)
        db.session.commit()


def test_unknown_charges_the_country_rate_then_recheck_flips_it(
    german_customer, app, fake_vies, runner
):
    customer = german_customer
    fake_vies.answers[GERMAN_VAT_ID] = "MS_UNAVAILABLE"
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    page = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text
    assert "Reverse charge could not be confirmed yet" in page
    # Pay: the checkout asks again first, still no answer: Germany's 19 % is charged.
    response = customer.pay(form)
    assert response.status_code == 302, response.text
    confirmation = customer.client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    (first,) = _invoices(app, customer.account_id)
    assert (first.tax_kind, first.vat_rate, first.net_minor, first.vat_minor) == (
        "eu_consumer",
        19,
        1500,
        285,
    )
    assert fake_vies.asked(GERMAN_VAT_ID) == 1  # the checkout's re-check
    assert _verdicts(app, customer.account_id) == [("unknown", "MS_UNAVAILABLE")]

    # Still down: the run says so and exits 1 for cron.
    result = runner.invoke(args=["vat", "recheck"])
    assert result.exit_code == 1
    assert "1 VAT IDs checked, 0 changed, 1 still without an answer" in result.output

    # The registry answers: valid, with a consultation number; billing activity records it.
    fake_vies.answers.clear()
    result = runner.invoke(args=["vat", "recheck"])
    assert result.exit_code == 0, result.output
    assert f"account {customer.account_id}: {GERMAN_VAT_ID} valid" in result.output
    with app.app_context():
        latest = db.session.scalars(select(VatCheck).order_by(VatCheck.id.desc())).first()
        assert latest.verdict is RegistryVerdict.VALID
        assert latest.consultation_number.startswith("WAPIAAAAW")
    assert _vat_activity(app, customer.account_id) == ["unknown", "valid"]

    # The next purchase is reverse charge; the first invoice keeps its VAT.
    summary = customer.client.get("/package/edit/payment", query_string=STANDARD_THREE).text
    assert "Reverse charge" in summary
    assert "could not be confirmed" not in summary
    response = customer.pay(customer.payment_form(**STANDARD_THREE))
    assert response.status_code == 302, response.text
    first_again, second = _invoices(app, customer.account_id)
    assert (first_again.tax_kind, first_again.vat_minor, first_again.total_minor) == (
        "eu_consumer",
        285,
        1785,
    )
    assert (second.tax_kind, second.vat_rate, second.vat_minor) == ("reverse_charge", 0, 0)
    # Nothing asked again for a confirmed ID.
    assert fake_vies.asked(GERMAN_VAT_ID) == 3


def test_a_checkout_recheck_that_confirms_shows_the_new_summary_before_charging(
    german_customer, app, fake_vies
):
    customer = german_customer
    _record(app, customer.account_id, RegistryVerdict.UNKNOWN, "TIMEOUT")
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)  # priced with Germany's VAT
    assert (
        "Reverse charge could not be confirmed yet"
        in customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text
    )
    # The registry answers now: the price changed, nothing is charged, the new summary shows.
    refused = customer.pay(form)
    assert refused.status_code == 409
    assert "The price changed" in refused.text
    assert "Reverse charge" in refused.text
    assert customer.counts() == (0, 0, 0)
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert response.status_code == 302
    (invoice,) = _invoices(app, customer.account_id)
    assert (invoice.tax_kind, invoice.vat_minor, invoice.total_minor) == ("reverse_charge", 0, 1500)


def test_a_registry_too_slow_for_the_checkout_charges_the_rate(german_customer, app, fake_vies):
    customer = german_customer
    fake_vies.answers[GERMAN_VAT_ID] = SLOW
    customer.add_card()
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert response.status_code == 302, response.text
    (invoice,) = _invoices(app, customer.account_id)
    assert (invoice.tax_kind, invoice.vat_minor) == ("eu_consumer", 285)
    assert _verdicts(app, customer.account_id) == [("unknown", vies.NO_ANSWER)]


def test_an_outage_after_a_confirmation_keeps_reverse_charge(german_customer, app, clock):
    customer = german_customer
    _record(app, customer.account_id, RegistryVerdict.VALID)
    clock.advance(days=31)
    _record(app, customer.account_id, RegistryVerdict.UNKNOWN, "MS_UNAVAILABLE")
    summary = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text
    assert "Reverse charge" in summary
    assert "could not be confirmed" not in summary
    assert _vat_activity(app, customer.account_id) == ["valid"]  # the standing did not move


def test_a_later_invalid_answer_charges_vat_and_says_why(
    german_customer, app, fake_vies, runner, clock
):
    customer = german_customer
    _record(app, customer.account_id, RegistryVerdict.VALID)
    result = runner.invoke(args=["vat", "recheck"])
    assert "0 VAT IDs checked" in result.output  # a fresh confirmation is not asked again
    clock.advance(days=31)
    fake_vies.answers[GERMAN_VAT_ID] = INVALID
    result = runner.invoke(args=["vat", "recheck"])
    assert result.exit_code == 0
    assert f"{GERMAN_VAT_ID} invalid" in result.output
    summary = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text
    assert "reports your VAT ID as not valid" in summary
    assert "€2.85" in summary
    page = customer.client.get("/billing/info").text
    assert "reports DE136695976 as not valid" in page
    assert _vat_activity(app, customer.account_id) == ["valid", "invalid"]


def test_recheck_with_days_asks_about_older_confirmations(
    german_customer, app, fake_vies, runner, clock
):
    _record(app, german_customer.account_id, RegistryVerdict.VALID)
    clock.advance(days=2)
    result = runner.invoke(args=["vat", "recheck", "--days", "1"])
    assert result.exit_code == 0
    assert "1 VAT IDs checked, 0 changed" in result.output
    assert fake_vies.asked(GERMAN_VAT_ID) == 1


def test_recheck_refuses_to_run_with_the_check_off(app, runner):
    app.config["VIES_ENABLED"] = False
    result = runner.invoke(args=["vat", "recheck"])
    assert result.exit_code != 0
    assert "VIES_ENABLED" in result.output


def test_recheck_leaves_others_alone(app, factory, fake_vies, runner):
    factory.account("Bottega S.r.l.", country="IT", vat_id="IT00743110157")
    factory.account("Acme Inc.", country="US", vat_id="123456789")
    factory.account("Privat", country="FR")
    result = runner.invoke(args=["vat", "recheck"])
    assert result.exit_code == 0
    assert fake_vies.requests == []


def test_a_later_confirmation_never_changes_the_issued_invoice_but_offers_its_reissue(
    german_customer, app, fake_vies, runner
):
    customer = german_customer
    fake_vies.answers[GERMAN_VAT_ID] = "SERVICE_UNAVAILABLE"
    customer.add_card()
    assert customer.pay(customer.payment_form(**STANDARD_ONE)).status_code == 302
    (invoice,) = _invoices(app, customer.account_id)
    fake_vies.answers.clear()
    assert runner.invoke(args=["vat", "recheck"]).exit_code == 0
    (unchanged,) = _invoices(app, customer.account_id)
    assert (unchanged.number, unchanged.tax_kind, unchanged.vat_minor, unchanged.total_minor) == (
        invoice.number,
        "eu_consumer",
        285,
        1785,
    )
    # Not silently: the billing page offers the reissue, which the customer may ask for.
    page = customer.client.get("/billing/info").text
    assert "reissued with the new details" in page
    assert invoice.number in page
    preview = customer.client.get(f"/billing/invoices/{invoice.id}/reissue")
    assert preview.status_code == 200
    assert "19% · €2.85" in preview.text  # the invoice now
    assert "0% · €0.00" in preview.text  # reissued: reverse charge
