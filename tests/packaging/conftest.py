from tests.sender.conftest import double  # noqa: F401 - the monday API double with the Planning board
