"""Pure billing rules: money, price list, periods, VAT and quotes (no Flask, no database)."""
