"""The send loop (and its dry run): queue rows of released batches onto monday.com boards.

Per batch, in claims of ``claim_size`` rows (memory stays flat whatever the batch size):

1. claim rows through ``usp_ClaimQueueRows`` (a lease, committed before any HTTP call: the database
   layer is autocommit);
2. read the current values of the touched cells in bulk (``items(ids:)``, at most 100 items per read);
3. drop cells that already hold the wanted value, and, for a rollback, cells changed by someone else
   since the batch wrote them (``expected_values``);
4. send ``change_multiple_column_values`` (several aliased per request when the measured complexity
   allows, falling back to one per request on errors), ``create_item`` / ``create_subitem``, or
   ``archive_item``, each with the queue row's ``Idempotency-Key``;
5. record each outcome at once through the fenced ``usp_RecordSendResult`` with the per-cell old and
   new values (a CREATE records the new item id with ``usp_RecordCreatedItem`` first).

Requests are sequential per board; boards run in parallel (threads) within the concurrency limit.
A row claimed before (``was_expired = 'Y'`` or a later attempt) is always re-read first, and a CREATE
whose outcome is uncertain is looked up on the board before it is created again. Just before an UPDATE
is sent, its per-cell preview (the board's values then) is written through ``usp_RecordPreview``: if the
mutation reached the board but its result was lost (a crash, a dropped response), the next attempt finds
the cells already holding the new values, takes the old values from that pre-image and audits the change
(SENT, ``applied_by_earlier_attempt``) instead of skipping it unaudited. Rollback rows and the ARCHIVE rows
of a rollback are protected the same way (a restored cell no longer holds the value the batch wrote, and
would otherwise look changed by someone else since).

The dry run takes the same path without any mutation and without claiming: it reads the open queue
rows, reads the board, and writes the per-cell preview through ``usp_RecordPreview``.

One file per concern: queue.py (reads of the queue), plan.py (planning against the live board),
preimages.py, mutations.py (the GraphQL calls), outcomes.py (recording results), leases.py, worker.py
(the claim loop of one board), run.py (the run), results.py (what it did).
"""

from .plan import Cell, Plan
from .queue import batch_rows, batch_status, next_visible_in, open_rows_page
from .results import BatchRun, ProgressFn, RunResult
from .run import OPEN_STATUSES, Sender
from .worker import BoardWorker

__all__ = [
    "OPEN_STATUSES", "BatchRun", "BoardWorker", "Cell", "Plan", "ProgressFn", "RunResult", "Sender",
    "batch_rows", "batch_status", "next_visible_in", "open_rows_page",
]
