"""Billing info and the billing activity log."""
