"""Adapters: thin translators between a platform and the bot core."""
