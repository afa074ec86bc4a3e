"""SQLAlchemy models, one module per aggregate; imported here so migrations see them all."""

from portal.models.account import Account, BillingInfo, EInvoiceFormat
from portal.models.document import EmailKind, EmailStatus, InvoicePdf, OutgoingEmail
from portal.models.einvoice import EInvoiceFile, EInvoiceState
from portal.models.invoice import (
    ActivityKind,
    BillingActivity,
    DocumentKind,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    SequenceKind,
)
from portal.models.letter_of_intent import LetterOfIntent
from portal.models.payment import (
    DeclineCode,
    MethodKind,
    Payment,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    RefundReason,
)
from portal.models.sales_quote import QuoteRequest, QuoteRequestStatus, QuoteStatus, SalesQuote
from portal.models.sign_in import SignInAttempt
from portal.models.subscription import Subscription, SubscriptionStatus
from portal.models.translation import (
    CatalogVersion,
    GlossaryTerm,
    TranslationChange,
    TranslationEdit,
)
from portal.models.user import BILLING_ROLES, CUSTOMER_ROLES, VENDOR_ROLES, Role, User
from portal.models.vat_check import VatCheck

__all__ = [
    "BILLING_ROLES",
    "CUSTOMER_ROLES",
    "VENDOR_ROLES",
    "Account",
    "ActivityKind",
    "BillingActivity",
    "BillingInfo",
    "CatalogVersion",
    "DeclineCode",
    "DocumentKind",
    "DocumentSequence",
    "EInvoiceFile",
    "EInvoiceFormat",
    "EInvoiceState",
    "EmailKind",
    "EmailStatus",
    "GlossaryTerm",
    "Invoice",
    "InvoiceLine",
    "InvoicePdf",
    "InvoiceStatus",
    "LetterOfIntent",
    "MethodKind",
    "OutgoingEmail",
    "Payment",
    "PaymentMethod",
    "PaymentPurpose",
    "PaymentStatus",
    "QuoteRequest",
    "QuoteRequestStatus",
    "QuoteStatus",
    "RefundReason",
    "Role",
    "SalesQuote",
    "SequenceKind",
    "SignInAttempt",
    "Subscription",
    "SubscriptionStatus",
    "TranslationChange",
    "TranslationEdit",
    "User",
    "VatCheck",
]
