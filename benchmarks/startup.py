"""Start-up of a one-file check against the floor: a minimal typer program (minimal_typer.py)
that parses the same options, reads the same file with the C loader and prints a rich table.

Runs the commands alternately N times in fresh interpreters and prints medians and the
ratios of ours to the floor (issue 15's measure: the table and the JSON format, each against
the minimal program printing its table), and, stricter, JSON against the minimal program
printing JSON (no rich at all). Measured in one run, so a noisy shared machine affects both
sides alike; the CPU time (user + system) is the steadier figure on a loaded machine. The criteria cache is warm (one
run before the timed ones fills it), as for a coordinator's second check of the day; the
last line measures the cold case, with the cache turned off (SCREEN_NO_CACHE=1).

    python benchmarks/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATIENT = ROOT / "examples" / "patients" / "eligible.yaml"
MINIMAL = ROOT / "benchmarks" / "minimal_typer.py"

COMMANDS = {
    "floor (table)": [sys.executable, str(MINIMAL), "check", str(PATIENT)],
    "check (table)": [sys.executable, "-m", "screen", "check", str(PATIENT)],
    "floor --format json": [sys.executable, str(MINIMAL), "check", str(PATIENT), "-f", "json"],
    "check --format json": [sys.executable, "-m", "screen", "check", str(PATIENT), "-f", "json"],
    "check, no cache (table)": [sys.executable, "-m", "screen", "check", str(PATIENT)],
}
RATIOS = [
    ("check (table)", "floor (table)", 1.2),
    ("check --format json", "floor (table)", 1.2),
    ("check --format json", "floor --format json", None),
    ("check, no cache (table)", "floor (table)", None),
]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run: on a loaded machine the CPU time
    is the steadier of the two, as waiting for a core is not counted."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped by wait4
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


LOAD_BEFORE = f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NO_COLOR": "1", "SCREEN_CACHE_DIR": cache, "COLUMNS": "120"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: compiled once, not every run
        envs = {name: env for name in COMMANDS}
        envs["check, no cache (table)"] = {**env, "SCREEN_NO_CACHE": "1"}
        for name, command in COMMANDS.items():  # warm the file cache, .pyc files, the cache
            timed(command, envs[name])
        walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
        cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(runs):
            for name, command in COMMANDS.items():
                wall, cpu = timed(command, envs[name])
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall = {name: statistics.median(values) for name, values in walls.items()}
    cpu = {name: statistics.median(values) for name, values in cpus.items()}
    print(f"cores: {os.cpu_count()}  runs: {runs}  python: {sys.version.split()[0]}")
    print(f"load average before: {LOAD_BEFORE}  after: {os.getloadavg()[0]:.2f}")
    print(f"{'':26} {'wall (median)':>14} {'CPU (median)':>14}")
    for name in COMMANDS:
        print(f"{name:26} {wall[name] * 1000:11.1f} ms {cpu[name] * 1000:11.1f} ms")
    print(f"{'ratio':49} {'wall':>6} {'CPU':>6}")
    for ours, floor, target in RATIOS:
        goal = f"  (target {target})" if target else ""
        print(
            f"{ours:26} / {floor:20} {wall[ours] / wall[floor]:6.2f} {cpu[ours] / cpu[floor]:6.2f}"
            f"{goal}"
        )


if __name__ == "__main__":
    main()
