"""The progress bar of `opus-sender send` on a terminal: tqdm, with log lines written above the bar.

While the bar is shown, the console log handler is routed through tqdm (tqdm.contrib.logging), so a
log line never runs into the bar (`[####...] 2/10 rows2026-12-07T15:19:43Z INFO ...`): tqdm clears the bar,
writes the line and draws the bar again below it. When stderr is not a terminal (SQL Agent, cron, a pipe)
nothing is drawn and the log handlers stay as they are: the job history holds only the log lines.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm


class Progress:
    """Rows done of the batches being sent; called by the send loop as ``progress(event, run)``."""

    def __init__(self, stream: Any, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self._bar: tqdm | None = None
        self._redirect: contextlib.ExitStack | None = None
        self._lock = threading.Lock()  # board threads report at once

    def set_total(self, batch_id: str, total: int) -> None:
        self.totals[batch_id] = total

    def __call__(self, event: str, run: Any) -> None:
        with self._lock:
            if event == "start":
                self.totals.setdefault(run.batch_id, 0)
            else:
                self.done[run.batch_id] = run.rows_done
            if not self.enabled:
                return
            if self._bar is None:
                self._open()
            assert self._bar is not None
            total = sum(self.totals.values())
            if total != self._bar.total:
                self._bar.total = total
            self._bar.n = min(sum(self.done.values()), total)
            self._bar.refresh()

    def _open(self) -> None:
        self._redirect = contextlib.ExitStack()
        self._redirect.enter_context(logging_redirect_tqdm())
        self._bar = tqdm(total=sum(self.totals.values()), file=self.stream, unit=" rows",
                         mininterval=0.1, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt}{unit} [{elapsed}]",
                         leave=True)

    def finish(self) -> None:
        """Draws the bar a last time, ends its line and gives the log handlers back; safe to call twice."""
        with self._lock:
            if self._bar is not None:
                self._bar.n = min(sum(self.done.values()), self._bar.total or 0)
                self._bar.close()
                self._bar = None
            if self._redirect is not None:
                self._redirect.close()
                self._redirect = None
