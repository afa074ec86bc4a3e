"""Entry point for WSGI servers: `gunicorn wsgi:app`."""

from portal import create_app

# Served, never migrated from here (`flask --app portal db upgrade` does that).
app = create_app(migrations=False)
