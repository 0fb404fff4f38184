"""The owner's import path for UpdateOperations (the plan's `pipelines/scripts/order_staging/update_operations.py`).

The implementation is `sender.operations`; this module only re-exports it, so that

    from pipelines.scripts.order_staging.update_operations import UpdateOperations

works as the plan writes it.
"""

from sender.operations import ProcessResult, UpdateOperations, ValidationSummary

__all__ = ["ProcessResult", "UpdateOperations", "ValidationSummary"]
