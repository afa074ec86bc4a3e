"""The full refund within 15 days of the account's first payment."""
