"""Invoices and credit notes: the list, notes edited in place, PDF downloads."""

from flask import Blueprint

bp = Blueprint("invoices", __name__, url_prefix="/billing/invoices")

from portal.invoices import routes  # noqa: E402, F401
