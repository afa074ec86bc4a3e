"""Letters of intent: upload, staff decision, and the ceiling VAT-free invoices use."""
