"""Durable storage on PostgreSQL (production) or SQLite (embedded) through SQLAlchemy 2."""
