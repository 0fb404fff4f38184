import pytest

from tests.conftest import pg_dsn
from tests.sender.conftest import double  # noqa: F401 - the monday API double with the Planning board


@pytest.fixture
def new_install_dsn(template_db) -> str:
    """A database installed by today's code: the session's template that every contract test copies
    (open it briefly: a template with a connection cannot be copied)."""
    return pg_dsn(template_db)
