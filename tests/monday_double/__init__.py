"""monday API double: a faithful local monday.com GraphQL server for tests, demo and benchmarks.

    from tests.monday_double import MondayDouble, DoubleConfig, Limits, Faults
    d = MondayDouble(DoubleConfig(token="test-token", time_scale=0.01, seed=1)).start()
    d.url  # http://127.0.0.1:PORT/v2

See docs/monday_double.md.
"""

from .errors import MondayError
from .faults import Faults
from .limits import Limits
from .sample_boards import PLANNING_BOARD_ID, PLANNING_SUBITEMS_BOARD_ID, load_planning_board, make_board
from .server import DoubleConfig, MondayDouble, seed_from_dict
from .store import Store

__all__ = [
    "DoubleConfig", "Faults", "Limits", "MondayDouble", "MondayError", "PLANNING_BOARD_ID",
    "PLANNING_SUBITEMS_BOARD_ID", "Store", "load_planning_board", "make_board", "seed_from_dict",
]
