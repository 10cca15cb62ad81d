"""Persistence: SQLAlchemy models, the queries over them and the Alembic migrations.

Knows nothing of Flask or SpiffWorkflow: workflows arrive here as JSON text.
"""
