"""Routing: which agent answers a message, and why."""
