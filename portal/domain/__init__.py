"""Pure billing rules: money, price list, periods, VAT and breakdowns (no Flask, no database)."""
