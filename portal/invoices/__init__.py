"""Invoices and credit notes: the list, notes edited in place, PDF downloads."""
