"""Seats: more or fewer agents and conversation packs in the running package."""
