"""Payment methods: the account's saved cards and PayPal accounts, and the default one."""

from flask import Blueprint

bp = Blueprint("methods", __name__, url_prefix="/billing/payment-methods")

from portal.methods import routes  # noqa: E402, F401
