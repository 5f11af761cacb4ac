"""Pipelines: a task decomposed into steps that specialist agents run, in parallel where
they can, checkpointed in SQLite so a crash resumes where it stopped."""
