"""Billing activity: recording every change, reading the log, its wording."""
