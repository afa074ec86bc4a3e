"""Outgoing e-mail: the transports and the message building; the queue is in services.mailer."""
