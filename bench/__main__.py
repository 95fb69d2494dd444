"""Run benchmarks: `python -m bench [NAME ...] [--scale medium] [--seconds 5] [--clients 8]`.

Each benchmark prints a table and writes bench/results/NAME-<time>.json. Every figure is reported as a ratio to a
baseline measured in the same run, on the same machine, so results compare across machines.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from pathlib import Path

BENCHMARKS = ["registry", "binding", "voting", "funds", "overload", "fanout", "transparency"]
TOOLS = ["profile"]  # run only when named: a per-request profile, not a ratio benchmark


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=BENCHMARKS, choices=BENCHMARKS + TOOLS)
    parser.add_argument("--scale", default="medium", help="demo_city scale to load (small|medium|city)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--fanout-sizes", default="1000,4000,16000", help="fanout: recipients per broadcast, comma-separated"
    )
    args = parser.parse_args()
    out_dir = Path(__file__).parent / "results"
    out_dir.mkdir(exist_ok=True)
    for name in args.names:
        module = importlib.import_module(f"bench.{name}")
        extra = {"sizes": [int(x) for x in args.fanout_sizes.split(",")]} if name == "fanout" else {}
        result = module.run(scale=args.scale, seconds=args.seconds, clients=args.clients, **extra)
        path = out_dir / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
