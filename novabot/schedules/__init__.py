"""Schedules: digests, reminders and recurring agent jobs, each slot run and posted once."""
