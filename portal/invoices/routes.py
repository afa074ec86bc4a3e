"""Invoice pages; every invoice id is looked up within the signed-in user's account."""

from __future__ import annotations

import io

from flask import abort, send_file
from werkzeug.wrappers import Response

from portal.invoices import bp
from portal.models import BILLING_ROLES
from portal.security import current_account_id, roles_required
from portal.services import documents


@bp.get("/<int:invoice_id>/pdf")
@roles_required(*BILLING_ROLES)
def pdf(invoice_id: int) -> Response:
    """The document as PDF: stored bytes until the invoice changes, another account's is 404."""
    found = documents.pdf_of(current_account_id(), invoice_id)
    if found is None:
        abort(404)
    invoice, content = found
    response = send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{invoice.number}.pdf",
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
