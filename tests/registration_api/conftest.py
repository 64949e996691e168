"""What the service's tests share: its tables, migrated, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from registration_api.storage import engines, migrations


@pytest.fixture
def engine(database_url):
    """An engine on an empty database of each kind (``database_url``), its tables made by the migrations."""
    engine = engines.create_engine(database_url)
    migrations.migrate(engine)
    yield engine
    engine.dispose()
