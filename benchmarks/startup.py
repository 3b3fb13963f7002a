"""Start-up of a one-file check against merely importing typer, pydantic, yaml and rich.

Runs both commands alternately N times in fresh interpreters and prints medians and their
ratio (measured in one run, so a noisy shared machine affects both sides alike).

    python benchmarks/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATIENT = ROOT / "examples" / "patients" / "eligible.yaml"

BASELINE = [sys.executable, "-c", "import typer, pydantic, yaml, rich"]
CHECK = [sys.executable, "-m", "screen", "check", str(PATIENT), "--format", "json"]
CHECK_TABLE = [sys.executable, "-m", "screen", "check", str(PATIENT)]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, check=False, env={**os.environ, "NO_COLOR": "1"}
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    samples: dict[str, list[float]] = {
        "baseline": [],
        "check --format json": [],
        "check (table)": [],
    }
    for command in (BASELINE, CHECK, CHECK_TABLE):  # warm the file cache and .pyc files
        timed(command)
    for _ in range(runs):
        samples["baseline"].append(timed(BASELINE))
        samples["check --format json"].append(timed(CHECK))
        samples["check (table)"].append(timed(CHECK_TABLE))
    base = statistics.median(samples["baseline"])
    print(f"cores: {os.cpu_count()}  runs: {runs}  python: {sys.version.split()[0]}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:22} median {median * 1000:7.1f} ms   ratio to baseline {median / base:5.2f}")


if __name__ == "__main__":
    main()
