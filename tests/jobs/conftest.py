"""The jobs tests use the outbound tests' database-and-queue backends."""

from tests.outbound.conftest import backend  # noqa: F401 (a fixture)
