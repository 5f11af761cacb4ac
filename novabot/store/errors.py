"""The one exception type the store raises for its own failures."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be opened, migrated or used (closed store, schema too new...)."""
