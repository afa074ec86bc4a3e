"""Auto-renewal: the switch, the expiry warning and the renewal run."""
