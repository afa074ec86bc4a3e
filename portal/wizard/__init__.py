"""The purchase wizard: plan and period, quantities, payment, with a live summary."""
