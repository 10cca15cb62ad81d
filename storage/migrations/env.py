"""Alembic environment: plain SQLAlchemy, the URL comes from the Config the caller built."""

from alembic import context
from sqlalchemy.engine import Connection

from storage import models  # noqa: F401  (the tables autogenerate compares)
from storage.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite can only ALTER tables by copying them; Alembic's batch mode does
    # that. With foreign keys enforced, dropping the old copy would cascade into every row
    # that refers to it (a case's work items, a user's roles): off while migrating, as
    # Alembic's documentation advises (the pragma only takes effect outside a transaction).
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    driver = connection.connection.driver_connection if sqlite else None
    if driver is not None:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
