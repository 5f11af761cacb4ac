"""The demo ERP database: a street-sweeper parts distributor, generated from a seed.

`generate(seed)` builds the rows (`generate.py`, from `master.py`, `sales.py` and
`purchasing.py`); `writers.py` puts them into SQLite or PostgreSQL with the DDL of
`schema.py`. All dates count back from `generate.REFERENCE_DATE`.
"""
