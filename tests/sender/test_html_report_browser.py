"""The dry-run HTML report, rendered by a real headless browser (Debian's chromium).

The checks are about content, not pixels: the page the browser rendered (its DOM after layout) holds the
batch counts, each item with the cells that would change (current -> new, marked) and those that would
not, and the rows validation refused with their reasons; a print stylesheet exists; the screenshot at a
laptop's size is taken and is not blank.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from pipelines.scripts.order_staging.update_operations import UpdateOperations

from .conftest import PLANNING, load_loader_rows

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/bootstrap.sh installs it)")
def test_dry_run_report_in_a_real_browser(db, cfg, double, tmp_path):
    load_loader_rows(db, double)
    ids = double.planning["item_ids"][:3]
    names = {i: double.item(i)["name"] for i in ids}
    quantity = {i: double.item(i)["texts"]["numbers"] for i in ids}
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board()
    # items 0 and 1: the status changes, the quantity stays; item 2: a label the board does not have
    query = (
        f"SELECT monday_item_id, CASE WHEN monday_item_id = {ids[2]} THEN 'Shipped' ELSE 'Done' END AS order_status, "
        f"CASE monday_item_id WHEN {ids[0]} THEN '{quantity[ids[0]]}' WHEN {ids[1]} THEN '{quantity[ids[1]]}' ELSE '1' END AS quantity "
        f"FROM STG_MON_CustMasterSchedule WHERE monday_item_id IN ({ids[0]}, {ids[1]}, {ids[2]})"
    )
    batch_id = ops.stage_updates_from_query(query)
    html = tmp_path / "report.html"
    result = ops.process_staged_updates(batch_id, html_path=str(html))
    assert result.dry_run and double.counters["mutation_requests"] == 0

    shot = tmp_path / "report.png"
    proc = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1366,900", html.as_uri())
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    assert png_size(shot) == (1366, 900)
    assert shot.stat().st_size > 20_000, "the screenshot is (nearly) blank"

    dom = chromium(tmp_path, "--dump-dom", html.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert batch_id in text
    for i in ids[:2]:
        assert names[i] in text
        assert "Quantity" in text and quantity[i] in text  # a cell that would not change is listed too
    assert "Working on it" in text and "Stuck" in text and "Done" in text and "→" in text
    assert page.count("class=\"change\"") + page.count("class='change'") >= 2  # the changed cells are marked
    assert "Shipped" in text and str(ids[2]) in text  # the refused row, with its value and reason
    assert re.search(r"label|does not exist|not a label", text, re.I)
    assert "@media print" in html.read_text(encoding="utf-8")
