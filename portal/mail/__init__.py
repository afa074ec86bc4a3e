"""Outgoing e-mail: the transports, the message building and the outbox queue."""
