"""Alembic migrations of the otagai database."""
