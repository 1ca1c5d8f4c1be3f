"""The declarative base, its naming convention, the one clock every row uses, and the
two column and statement helpers every area shares."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Enum, MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations name the same thing on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_column(members: type[enum.StrEnum], length: int) -> Enum:
    """Return a column type that stores a StrEnum's values as VARCHAR(length).

    Rows read back as members, and writing a value that is not a member fails before it
    reaches the database. No native enum and no CHECK constraint: adding a member later
    needs no migration.
    """
    return Enum(members, native_enum=False, create_constraint=False, length=length,
                validate_strings=True, values_callable=lambda kind: [m.value for m in kind])


def dialect_insert(dialect_name: str):
    """Return the INSERT of SQLite or PostgreSQL, the two that have ON CONFLICT."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
