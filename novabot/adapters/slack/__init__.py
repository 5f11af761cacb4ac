"""The Slack adapter: slack-bolt events in, the core's Message and Responder out."""
