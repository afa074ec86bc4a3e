"""Password e-mails go to a real SMTP server on loopback; the team's accounts sign in."""

from tests.team.conftest import alpha, app_config, mail_settings, smtp_server  # noqa: F401
