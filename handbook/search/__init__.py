"""Full-text search: a narrow backend interface (backend.py), Whoosh or PostgreSQL behind it.

The database is the truth and the index is derived: publishing writes an outbox row in the
same transaction; after the commit one writer applies it (outbox.drain). `handbook reindex`
rebuilds everything, `handbook search-check` compares index and database.
"""
