"""The Discord adapter: discord.py events and slash commands in, the core's Message out."""
