"""Chat commands (`/nova why`, `/nova bind` …): declared once, offered on every platform."""
