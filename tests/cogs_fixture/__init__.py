"""A cogs package for tests: commands no adapter knows by name."""
