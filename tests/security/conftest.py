"""Hostile-input tests: the generator's fixtures (throwaway sites) and the service's (a real
uvicorn, SMTP server and databases) in one place, so each attack is tried where it lands."""
from tests.api.conftest import clock, database_url, make_api, sites_dir, smtp  # noqa: F401
from tests.conftest import sites  # noqa: F401
