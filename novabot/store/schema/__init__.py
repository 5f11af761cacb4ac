"""The schema's history: every migration Nova has shipped, in order.

Append new migrations (in features.py); never edit one that has shipped, since databases
in the wild already recorded it as applied. store/migrations.py applies them.
"""

from novabot.store.schema.core import CORE
from novabot.store.schema.features import FEATURES
from novabot.store.schema.migration import Migration

MIGRATIONS: list[Migration] = [*CORE, *FEATURES]

__all__ = ["MIGRATIONS", "Migration"]
