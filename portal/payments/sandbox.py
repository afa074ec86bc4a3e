"""The built-in sandbox gateway: behaves like a real processor for its documented test cards.

Test cards (any holder, any future expiry, any 3-digit CVC):

=========================  ==========  ===================================================
Number                     Brand       What happens when it is charged
=========================  ==========  ===================================================
4242 4242 4242 4242        Visa        succeeds
5555 5555 5555 4444        Mastercard  succeeds
4000 0000 0000 0002        Visa        declined: ``card_declined``
4000 0000 0000 9995        Visa        declined: ``insufficient_funds``
4000 0000 0000 0069        Visa        declined: ``expired_card`` (the date on it is fine;
                                       the issuer refuses it at charge time)
4000 0027 6000 3184        Visa        asks for 3-D Secure: ``REQUIRES_ACTION`` with the
                                       challenge page ``/sandbox/3ds/<reference>``, where
                                       "Confirm payment" succeeds and "Refuse payment" declines
                                       with ``authentication_failed``
any other valid Visa/MC    -           succeeds
PayPal (any e-mail)        PayPal      ``REQUIRES_ACTION`` with the approval page
                                       ``/sandbox/paypal/<reference>``: "Approve payment"
                                       succeeds, "Cancel" declines with ``paypal_cancelled``
=========================  ==========  ===================================================

Tokens carry the test behaviour and a random part, never the card number.

Payments are two-phase, as at a real processor: ``create_payment`` makes the payment object
(its reference exists before money can move), ``confirm_payment`` charges it or asks the
customer to act; ``cancel`` gives up an unconfirmed or pending one for good.

Charges and refunds live in the database, so every worker process sees the same state. The
sandbox plays a remote service: it writes through its own session and commits its own rows at
once; it never flushes, commits or rolls back the caller's session. Call it with no write
transaction open on that session (commit the Payment row first): SQLite has a single writer.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.domain.money import check_currency
from portal.domain.payment_lifecycle import DeclineCode
from portal.extensions import Model, db, matched_rows
from portal.models.columns import utc_now
from portal.payments.cards import ACCEPTED_BRANDS, CardDetails, CardError
from portal.payments.gateway import (
    CardEntry,
    CardSetup,
    ChargeResult,
    ChargeStatus,
    GatewayCapabilities,
    GatewayError,
    IdempotencyKeyReused,
    RefundResult,
    SavedCard,
)
from portal.public_url import public_url_for

log = logging.getLogger(__name__)


class Behaviour(StrEnum):
    """What a sandbox token does when it is charged."""

    SUCCEED = "succeed"
    DECLINE = "decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"
    AUTHENTICATE = "authenticate"


class Action(StrEnum):
    """The page where the customer completes a charge that requires action."""

    THREE_D_SECURE = "3ds"
    PAYPAL = "paypal"


@dataclass(frozen=True)
class SandboxCard:
    """A documented test number and what charging it does."""

    number: str
    brand: str
    behaviour: Behaviour


TEST_CARDS = (
    SandboxCard("4242 4242 4242 4242", "Visa", Behaviour.SUCCEED),
    SandboxCard("5555 5555 5555 4444", "Mastercard", Behaviour.SUCCEED),
    SandboxCard("4000 0000 0000 0002", "Visa", Behaviour.DECLINE),
    SandboxCard("4000 0000 0000 9995", "Visa", Behaviour.INSUFFICIENT_FUNDS),
    SandboxCard("4000 0000 0000 0069", "Visa", Behaviour.EXPIRED_CARD),
    SandboxCard("4000 0027 6000 3184", "Visa", Behaviour.AUTHENTICATE),
)
_BEHAVIOUR_BY_NUMBER = {card.number.replace(" ", ""): card.behaviour for card in TEST_CARDS}

_DECLINE_CODES = {
    Behaviour.DECLINE: DeclineCode.CARD_DECLINED,
    Behaviour.INSUFFICIENT_FUNDS: DeclineCode.INSUFFICIENT_FUNDS,
    Behaviour.EXPIRED_CARD: DeclineCode.EXPIRED_CARD,
}
_CARD_TOKEN = re.compile(r"tok_(?P<behaviour>[a-z_]+)_[0-9a-f]{24}")
_PAYPAL_TOKEN = re.compile(r"pp_[0-9a-f]{24}")


def _new_id(prefix: str) -> str:
    """An unguessable identifier: references are the only key to the sandbox pages."""
    return f"{prefix}_{secrets.token_hex(16)}"


class SandboxCharge(Model):
    """One charge the sandbox accepted, declined or holds for the customer's action."""

    __tablename__ = "sandbox_charges"

    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    # One charge per key, enforced by the database so that concurrent retries cannot both charge.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    token: Mapped[str] = mapped_column(String(120))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(255), default="")
    # The portal account the payment belongs to: only its users may decide its pages.
    customer: Mapped[str] = mapped_column(String(64), default="")
    off_session: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24))
    decline_code: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str | None] = mapped_column(String(10))
    return_url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SandboxRefund(Model):
    """One refund request, granted or refused, per idempotency key."""

    __tablename__ = "sandbox_refunds"

    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    charge_reference: Mapped[str] = mapped_column(
        ForeignKey("sandbox_charges.reference"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(Integer)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


def action_url(charge: SandboxCharge) -> str | None:
    """Where the customer completes a pending charge, on the portal's public URL, as a real
    gateway hands back its own page's address; works without a request (the reconciliation)."""
    if charge.status != ChargeStatus.REQUIRES_ACTION or charge.action is None:
        return None
    endpoint = "sandbox.challenge" if charge.action == Action.THREE_D_SECURE else "sandbox.paypal"
    return public_url_for(endpoint, reference=charge.reference)


def result_of(charge: SandboxCharge) -> ChargeResult:
    """The gateway's answer for a stored charge."""
    return ChargeResult(
        status=ChargeStatus(charge.status),
        reference=charge.reference,
        decline_code=DeclineCode(charge.decline_code) if charge.decline_code else None,
        action_url=action_url(charge),
    )


def _outcome(
    token: str, off_session: bool
) -> tuple[ChargeStatus, DeclineCode | None, Action | None]:
    """Status, decline code and pending action when a payment of this token is confirmed.

    Off-session (a renewal, nobody at the screen) a linked PayPal account pays like a billing
    agreement, and a card that needs 3-D Secure is declined: nobody can authenticate.
    """
    if _PAYPAL_TOKEN.fullmatch(token):
        if off_session:
            return ChargeStatus.SUCCEEDED, None, None
        return ChargeStatus.REQUIRES_ACTION, None, Action.PAYPAL
    match = _CARD_TOKEN.fullmatch(token)
    behaviour = match["behaviour"] if match else None
    if behaviour == Behaviour.SUCCEED:
        return ChargeStatus.SUCCEEDED, None, None
    if behaviour == Behaviour.AUTHENTICATE:
        if off_session:
            return ChargeStatus.DECLINED, DeclineCode.AUTHENTICATION_REQUIRED, None
        return ChargeStatus.REQUIRES_ACTION, None, Action.THREE_D_SECURE
    # Unknown tokens are refused the way a processor refuses a detached card.
    return (
        ChargeStatus.DECLINED,
        _DECLINE_CODES.get(Behaviour(behaviour), DeclineCode.CARD_DECLINED)
        if behaviour in set(Behaviour)
        else DeclineCode.CARD_DECLINED,
        None,
    )


class SandboxGateway:
    """The PaymentGateway used in development, tests and demos; no real money moves."""

    capabilities = GatewayCapabilities(
        card_entry=CardEntry.PORTAL_FORM, paypal=True, test_cards=True
    )

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A session of our own, like a remote service's: the caller's stays untouched."""
        session = Session(db.engine, expire_on_commit=False)
        try:
            yield session
        except OperationalError as error:
            session.rollback()
            raise GatewayError("the sandbox gateway's database is unavailable") from error
        finally:
            session.close()

    def tokenize_card(self, card: CardDetails) -> SavedCard:
        """A token naming the test behaviour; the number stays here and goes nowhere."""
        if card.brand not in ACCEPTED_BRANDS:
            raise CardError("number", "brand_refused", brand=card.brand)
        behaviour = _BEHAVIOUR_BY_NUMBER.get(card.number, Behaviour.SUCCEED)
        return SavedCard(
            token=f"tok_{behaviour.value}_{secrets.token_hex(12)}",
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )

    def discard_card(self, token: str) -> None:
        """Nothing to forget: the sandbox keeps no cards, its tokens carry the behaviour."""

    def start_card_setup(self, customer: str) -> CardSetup:
        """The sandbox takes cards on the portal's own form (`tokenize_card`) instead."""
        raise GatewayError("the sandbox takes cards on the portal's own form")

    def finish_card_setup(self, customer: str, setup_id: str) -> SavedCard:
        """The sandbox takes cards on the portal's own form (`tokenize_card`) instead."""
        raise CardError("number", "setup_failed")

    def link_paypal(self, email: str) -> str:
        """A token for a PayPal account; a charge with the customer present asks for approval."""
        if "@" not in email:
            raise ValueError("a PayPal account is an e-mail address")
        return f"pp_{secrets.token_hex(12)}"

    def create_payment(
        self,
        *,
        token: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        description: str,
        customer: str,
        off_session: bool = False,
    ) -> ChargeResult:
        """The payment object, unconfirmed; the same key answers with the same object."""
        if amount_minor <= 0:
            raise ValueError("a payment must be for a positive amount")
        check_currency(currency)
        with self._session() as session:
            existing = self._charge_by_key(session, idempotency_key)
            if existing is not None:
                return self._replay(existing, token, amount_minor, currency)
            charge = SandboxCharge(
                reference=_new_id("ch"),
                idempotency_key=idempotency_key,
                token=token,
                amount_minor=amount_minor,
                currency=currency,
                description=description[:255],
                customer=customer,
                off_session=off_session,
                status=ChargeStatus.REQUIRES_CONFIRMATION,
            )
            session.add(charge)
            try:
                session.commit()
            except IntegrityError:
                # Another process created this key first: its object is the one.
                session.rollback()
                existing = self._charge_by_key(session, idempotency_key)
                if existing is None:
                    raise
                return self._replay(existing, token, amount_minor, currency)
            return result_of(charge)

    def confirm_payment(self, reference: str, *, return_url: str) -> ChargeResult:
        """Charge it or ask the customer to act; a second confirmation changes nothing."""
        with self._session() as session:
            charge = session.get(SandboxCharge, reference)
            if charge is None:
                raise LookupError(f"no sandbox charge {reference!r}")
            status, decline_code, action = _outcome(charge.token, charge.off_session)
            # Conditional: of two confirmations at once, one finds the payment unconfirmed.
            session.execute(
                update(SandboxCharge)
                .where(
                    SandboxCharge.reference == reference,
                    SandboxCharge.status == ChargeStatus.REQUIRES_CONFIRMATION.value,
                )
                .values(
                    status=status.value,
                    decline_code=decline_code.value if decline_code else None,
                    action=action.value if action else None,
                    return_url=return_url,
                    decided_at=None if action else utc_now(),
                )
            )
            session.commit()
            session.refresh(charge)
            log.info("sandbox charge %s: %s", charge.reference, charge.status)
            return result_of(charge)

    def cancel(self, reference: str) -> ChargeResult:
        """Cancel it unless it succeeded or was declined already."""
        with self._session() as session:
            session.execute(
                update(SandboxCharge)
                .where(
                    SandboxCharge.reference == reference,
                    SandboxCharge.status.in_(
                        [ChargeStatus.REQUIRES_CONFIRMATION.value, ChargeStatus.REQUIRES_ACTION]
                    ),
                )
                .values(status=ChargeStatus.CANCELLED.value, decided_at=utc_now())
            )
            session.commit()
            charge = session.get(SandboxCharge, reference)
            if charge is None:
                raise LookupError(f"no sandbox charge {reference!r}")
            session.refresh(charge)
            return result_of(charge)

    def find_payment(self, *, idempotency_key: str, customer: str) -> ChargeResult | None:
        """The charge made with this key for this customer, if any."""
        with self._session() as session:
            charge = self._charge_by_key(session, idempotency_key)
            if charge is None or charge.customer != customer:
                return None
            return result_of(charge)

    def retrieve(self, reference: str) -> ChargeResult:
        """The charge as it stands now; LookupError for a reference the sandbox never issued."""
        with self._session() as session:
            charge = session.get(SandboxCharge, reference)
            if charge is None:
                raise LookupError(f"no sandbox charge {reference!r}")
            return result_of(charge)

    def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Refund once per key, never more than what the charge took in total."""
        if amount_minor <= 0:
            raise ValueError("a refund must be for a positive amount")
        with self._session() as session:
            existing = self._refund_by_key(session, idempotency_key)
            if existing is not None:
                return self._replay_refund(existing, reference, amount_minor)
            # The row lock (PostgreSQL) keeps two refunds with different keys from both passing.
            charge = session.scalar(
                select(SandboxCharge).where(SandboxCharge.reference == reference).with_for_update()
            )
            if charge is None:
                raise LookupError(f"no sandbox charge {reference!r}")
            refunded = session.scalars(
                select(func.coalesce(func.sum(SandboxRefund.amount_minor), 0)).where(
                    SandboxRefund.charge_reference == reference, SandboxRefund.succeeded
                )
            ).one()
            granted = (
                charge.status == ChargeStatus.SUCCEEDED
                and refunded + amount_minor <= charge.amount_minor
            )
            refund = SandboxRefund(
                reference=_new_id("re"),
                idempotency_key=idempotency_key,
                charge_reference=reference,
                amount_minor=amount_minor,
                succeeded=granted,
            )
            session.add(refund)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                existing = self._refund_by_key(session, idempotency_key)
                if existing is None:
                    raise
                return self._replay_refund(existing, reference, amount_minor)
            log.info("sandbox refund %s of %s: %s", refund.reference, reference, granted)
            return RefundResult(reference=refund.reference, succeeded=granted)

    @staticmethod
    def _charge_by_key(session: Session, key: str) -> SandboxCharge | None:
        """The charge made with this idempotency key, if any."""
        return session.scalar(select(SandboxCharge).where(SandboxCharge.idempotency_key == key))

    @staticmethod
    def _refund_by_key(session: Session, key: str) -> SandboxRefund | None:
        """The refund made with this idempotency key, if any."""
        return session.scalar(select(SandboxRefund).where(SandboxRefund.idempotency_key == key))

    @staticmethod
    def _replay(
        charge: SandboxCharge, token: str, amount_minor: int, currency: str
    ) -> ChargeResult:
        """The first answer again, if the retry asks for the same charge."""
        if (charge.token, charge.amount_minor, charge.currency) != (token, amount_minor, currency):
            raise IdempotencyKeyReused("this idempotency key was used for a different charge")
        return result_of(charge)

    @staticmethod
    def _replay_refund(refund: SandboxRefund, reference: str, amount_minor: int) -> RefundResult:
        """The first answer again, if the retry asks for the same refund."""
        if (refund.charge_reference, refund.amount_minor) != (reference, amount_minor):
            raise IdempotencyKeyReused("this idempotency key was used for a different refund")
        return RefundResult(reference=refund.reference, succeeded=refund.succeeded)


def charge_for_page(reference: str, action: Action, customer: str) -> SandboxCharge | None:
    """The charge behind a sandbox page, decided or not; None when the page does not apply,
    or the charge is another customer's (a reference alone opens nothing)."""
    charge = db.session.get(SandboxCharge, reference)
    if charge is None or charge.action != action or charge.customer != customer:
        return None
    return charge


def decide(charge: SandboxCharge, approved: bool) -> bool:
    """Record the customer's decision once; False when the charge was already decided."""
    if approved:
        values = {"status": ChargeStatus.SUCCEEDED.value, "decline_code": None}
    else:
        code = (
            DeclineCode.AUTHENTICATION_FAILED
            if charge.action == Action.THREE_D_SECURE
            else DeclineCode.PAYPAL_CANCELLED
        )
        values = {"status": ChargeStatus.DECLINED.value, "decline_code": code.value}
    # A conditional update: of two concurrent decisions, exactly one finds the charge pending.
    decided = db.session.execute(
        update(SandboxCharge)
        .where(
            SandboxCharge.reference == charge.reference,
            SandboxCharge.status == ChargeStatus.REQUIRES_ACTION.value,
        )
        .values(decided_at=utc_now(), **values)
    )
    changed = matched_rows(decided)
    db.session.commit()
    log.info("sandbox charge %s decided: %s", charge.reference, values["status"])
    return changed == 1
