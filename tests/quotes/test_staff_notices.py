"""Staff hear of a customer's decision (issue 26, item 15): an e-mail to every member of staff,
in their language, with the rejection's reason, delivered over SMTP."""

from __future__ import annotations

import time

from sqlalchemy import select

from portal.extensions import db
from portal.models import EmailKind, OutgoingEmail, Role, User
from tests.conftest import post_form
from tests.mail.conftest import app_config, mail_settings, smtp_server  # noqa: F401
from tests.quotes.conftest import Setting
from tests.quotes.test_customer import FREE, _accept_all_steps


def _staff_mail(smtp_server, count: int) -> dict[str, object]:  # noqa: F811
    """The messages the SMTP server got for staff, by recipient, once `count` arrived."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = {
            received.rcpt_tos[0]: received.message
            for received in smtp_server.received
            if received.rcpt_tos[0].endswith("@vendor.example")
        }
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{count} staff e-mails expected, got {list(found)}")


def _more_staff(setting: Setting) -> None:
    """An Italian and a French member of staff; a removed one, who hears nothing."""
    setting.factory.user("giulia@vendor.example", Role.STAFF, locale="it")
    setting.factory.user("amelie@vendor.example", Role.STAFF, locale="fr")
    gone = setting.factory.user("gone@vendor.example", Role.STAFF)
    with setting.app.app_context():
        user = db.session.get(User, gone)
        user.removed_at = user.created_at
        db.session.commit()


def test_a_rejection_is_mailed_to_staff_with_its_reason(setting: Setting, smtp_server):  # noqa: F811
    _more_staff(setting)
    quote_id = setting.sent_quote()
    rejected = post_form(
        setting.client,
        f"/quotes/{quote_id}",
        f"/quotes/{quote_id}/reject",
        {"reason": "Troppo caro per 80 agenti"},
    )
    assert rejected.status_code == 302
    mail = _staff_mail(smtp_server, 3)
    assert set(mail) == {"staff@vendor.example", "giulia@vendor.example", "amelie@vendor.example"}
    italian = mail["giulia@vendor.example"]
    assert italian["Subject"] == "Acme S.r.l. ha rifiutato il preventivo Q-2026-000001"
    body = italian.get_body(("plain",)).get_content()
    assert "Troppo caro per 80 agenti" in body
    assert f"/backoffice/quotes/{quote_id}" in body
    french = mail["amelie@vendor.example"]
    assert french["Subject"] == "Acme S.r.l. a refusé le devis Q-2026-000001"
    assert "Motif indiqué\u00a0:" in french.get_body(("plain",)).get_content()
    english = mail["staff@vendor.example"].get_body(("plain",)).get_content()
    assert "Admin rejected quote Q-2026-000001 for Acme S.r.l." in english
    with setting.app.app_context():
        kinds = db.session.scalars(
            select(OutgoingEmail.recipients).where(OutgoingEmail.kind == EmailKind.QUOTE_DECIDED)
        ).all()
        assert len(kinds) == 3


def test_an_acceptance_is_mailed_to_staff_with_its_invoice(setting: Setting, smtp_server):  # noqa: F811
    _more_staff(setting)
    quote_id = setting.sent_quote(**FREE)
    assert _accept_all_steps(setting, quote_id).status_code == 302
    mail = _staff_mail(smtp_server, 3)
    italian = mail["giulia@vendor.example"]
    assert italian["Subject"] == "Acme S.r.l. ha accettato il preventivo Q-2026-000001"
    body = italian.get_body(("plain",)).get_content()
    assert "la fattura" in body and "è stata emessa" in body
    assert "gone@vendor.example" not in mail


def test_a_rejection_without_reason_says_so(setting: Setting, smtp_server):  # noqa: F811
    quote_id = setting.sent_quote()
    post_form(setting.client, f"/quotes/{quote_id}", f"/quotes/{quote_id}/reject", {"reason": ""})
    mail = _staff_mail(smtp_server, 1)
    assert "They gave no reason." in mail["staff@vendor.example"].get_body(("plain",)).get_content()
