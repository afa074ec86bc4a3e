"""The account's users, where the owner names billing admins."""
