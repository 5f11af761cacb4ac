"""Projects: their knowledge, its retrieval into prompts, and conversation compaction."""
