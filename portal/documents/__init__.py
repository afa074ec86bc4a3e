"""Invoices and credit notes: issuing them in a gapless sequence, their PDFs."""
