"""The center's store: SQLAlchemy 2 models, Alembic migrations, repository functions.

SQLite (WAL) is the embedded default; PostgreSQL by ``GWANJE_DATABASE_URL``.
"""
