"""The purchase wizard: plan and period, quantities, payment, with a live summary."""

from flask import Blueprint

bp = Blueprint("wizard", __name__, url_prefix="/package/edit")

from portal.wizard import routes  # noqa: E402, F401
