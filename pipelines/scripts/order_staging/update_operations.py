"""An example of the owner's shim, not part of the wheel.

The owner's code base has its own ``pipelines`` package (load_boards.py, StagingOperations); the wheel
ships no ``pipelines`` package that could shadow it. To keep the plan's import path
``pipelines.scripts.order_staging.update_operations``, copy this file into that package as
``pipelines/scripts/order_staging/update_operations.py`` (beside an ``__init__.py`` in each folder):
its one line re-exports the installed ``sender.operations``. The tests of this repository import it from
here.
"""

from sender.operations import ProcessResult, UpdateOperations, ValidationSummary  # noqa: F401
