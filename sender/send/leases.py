"""Leases of the claimed rows: extended while a claim is being sent, given back when the worker stops."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from ..config import Config
from ..db import Database, DbError

log = logging.getLogger("opus.send")


class Leases:
    config: Config
    db: Database
    worker_id: str
    _claimed: dict[int, dict[str, Any]]
    _lease_at: float

    def _extend_if_due(self) -> None:
        if not self._claimed or time.monotonic() - self._lease_at < self.config.lease_seconds / 3:
            return
        ids = sorted(self._claimed)
        res = self.db.call("usp_ExtendLease", outputs={"extended": "int"}, worker_id=self.worker_id,
                           queue_ids=json.dumps(ids), lease_seconds=self.config.lease_seconds)
        self._lease_at = time.monotonic()
        extended = res.outputs.get("extended")
        if extended is not None and int(extended) < len(ids):
            log.warning("only %s of %d leases could be extended", extended, len(ids))

    def _release_claimed(self) -> None:
        if not self._claimed:
            return
        ids = sorted(self._claimed)
        self._claimed = {}
        try:
            if self.db._conn is None:
                return
            self.db.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id=self.worker_id,
                         queue_ids=json.dumps(ids))
            log.info("released %d unsent rows back to the queue", len(ids))
        except DbError as exc:  # the leases expire on their own
            log.warning("could not release %d leases (%s); they expire on their own", len(ids), exc)


