"""The bot core: the platform-neutral message path, the registry and the responder seam."""
