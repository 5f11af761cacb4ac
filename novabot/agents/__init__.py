"""Agents: a scope card and its tools, the turn they answer, hand-offs and history."""
