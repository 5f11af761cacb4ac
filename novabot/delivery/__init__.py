"""Delivery: each message answered once and each answer posted once, across crashes and
processes (the inbox, the outbox and the leases of DESIGN.md's delivery guarantees)."""
