"""Projects: what a project knows reaches every prompt of a conversation bound to it.

`retrieval` chooses a project's items for a message (pinned first, then the most relevant,
within a token budget); `context` writes them as the prompt's "Project knowledge" section.
"""
