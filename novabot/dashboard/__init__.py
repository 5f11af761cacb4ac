"""The operator's dashboard at /dashboard: server-rendered pages behind a login."""
