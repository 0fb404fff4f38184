"""Standalone double: ``python -m tests.monday_double --port 8765 --token T [--seed-file F]``.

Prints ``MONDAY_DOUBLE_URL=http://127.0.0.1:PORT/v2`` on the first line of stdout, then serves until
interrupted (SIGINT/SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .faults import Faults
from .limits import Limits
from .sample_boards import load_planning_board
from .server import DoubleConfig, MondayDouble, seed_from_dict


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.monday_double", description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (0 = pick a free one)")
    p.add_argument("--token", default="test-token", help="the API token clients must send")
    p.add_argument("--seed-file", help="JSON seed: {planning, users, boards, items} (see docs)")
    p.add_argument("--empty", action="store_true", help="do not load the Planning board")
    p.add_argument("--time-scale", type=float, default=1.0, help="real seconds per monday second")
    p.add_argument("--seed", type=int, default=0, help="fault-injection random seed")
    p.add_argument("--limits", help="JSON object of Limits fields (default: monday's lowest tier)")
    p.add_argument("--faults", help="JSON object of Faults fields (default: none)")
    args = p.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        p.error("the double only binds to loopback")
    config = DoubleConfig(token=args.token, host=args.host, port=args.port, time_scale=args.time_scale,
                          seed=args.seed,
                          limits=Limits.from_dict(json.loads(args.limits)) if args.limits else Limits(),
                          faults=Faults.from_dict(json.loads(args.faults)) if args.faults else Faults())
    double = MondayDouble(config)
    if args.seed_file:
        with open(args.seed_file, encoding="utf-8") as fh:
            seed_from_dict(double.store, json.load(fh))
    elif not args.empty:
        load_planning_board(double.store)
    double.start()
    print(f"MONDAY_DOUBLE_URL={double.url}", flush=True)
    print(f"control: {double.control_url}/{{state,log,counters,config,seed,faults,limits,reset}}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    double.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
