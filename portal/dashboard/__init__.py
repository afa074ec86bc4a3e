"""My package: the home of every customer user."""
