"""The vendor's back office: every account's billing state, for staff."""
