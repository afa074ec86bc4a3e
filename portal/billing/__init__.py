"""Billing info and the billing activity log."""

from flask import Blueprint

bp = Blueprint("billing", __name__, url_prefix="/billing")

from portal.billing import routes  # noqa: E402, F401
