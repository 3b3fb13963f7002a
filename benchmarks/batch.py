"""Batch screening against merely parsing the same files, memory as the batch grows, and a
one-file batch against a one-file check.

Generates its own varied records (benchmarks/records.py), then runs each command in a fresh
process, alternating with its baseline, and prints medians and ratios measured in one run:

    python benchmarks/batch.py [--records 10000] [--runs 5] [--memory 1000,20000]

1. `screen check DIR --format csv --output log.csv` against one process that reads and
   parses every file with PyYAML's C loader (target: at most 0.75x).
2. Peak memory (largest process, ru_maxrss) of that command for the two sizes given
   (target: the larger within 1.2x of the smaller).
3. `screen check ONE.yaml --format csv` against `screen check ONE.yaml --format json`, the
   single-file start-up of benchmarks/startup.py (target: at most 1.5x).
4. `screen check BULK/ --format csv` on a FHIR bulk export (NDJSON) of --fhir patients
   against the same patients as YAML records (`screen import` of that export): records
   per second of each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records import write_records

PARSE_ONLY = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
"""

PEAK_MEMORY = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


FHIR_PATIENT = Path(__file__).resolve().parents[1] / "tests/fixtures/fhir/eligible.bundle.json"


def write_bulk(folder: Path, patients: int) -> None:
    """A bulk export of `patients` copies of the hand-written eligible mCODE patient, each
    with its own ids (Patient, Observation and Condition NDJSON files)."""
    folder.mkdir(parents=True)
    entries = json.loads(FHIR_PATIENT.read_text())["entry"]
    template = json.dumps([entry["resource"] for entry in entries])
    files: dict[str, Any] = {}  # one NDJSON file per resource type, as an export has
    try:
        for number in range(patients):
            text = template.replace("urn:uuid:fhir-0001", "Patient/fhir-0001")
            for resource in json.loads(text.replace("fhir-0001", f"b{number:06d}")):
                kind = resource["resourceType"]
                if kind not in files:
                    files[kind] = (folder / f"{kind}.000.ndjson").open("w")
                files[kind].write(json.dumps(resource) + "\n")
    finally:
        for handle in files.values():
            handle.close()


def timed_median(command: list[str], runs: int) -> float:
    timed(command)
    return statistics.median(timed(command) for _ in range(runs))


def screen(*args: str) -> list[str]:
    return [sys.executable, "-m", "screen", "check", *args]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def compare(name: str, baseline: list[str], ours: list[str], runs: int) -> float:
    timed(baseline), timed(ours)  # warm the file cache and .pyc files
    base, mine = [], []
    for _ in range(runs):
        base.append(timed(baseline))
        mine.append(timed(ours))
    ratio = statistics.median(mine) / statistics.median(base)
    print(
        f"{name}: baseline median {statistics.median(base):.3f} s, "
        f"ours {statistics.median(mine):.3f} s, ratio {ratio:.2f}"
    )
    return ratio


def peak_kib(command: list[str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, *command], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", default="1000,20000", help="two batch sizes: small,large")
    parser.add_argument("--memory-only", action="store_true", help="skip the timings")
    parser.add_argument("--fhir", type=int, default=2_000, help="patients in the bulk export")
    parser.add_argument("--fhir-only", action="store_true", help="only step 4 (bulk FHIR)")
    options = parser.parse_args()
    small, large = (int(n) for n in options.memory.split(","))
    work = Path(tempfile.mkdtemp(prefix="screen-bench-"))
    log = work / "log.csv"
    try:
        print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  runs: {options.runs}")
        if not options.memory_only and not options.fhir_only:
            folder = work / "records"
            write_records(folder, options.records)
            compare(
                f"1. {options.records} records to a CSV log vs parsing them",
                [sys.executable, "-c", PARSE_ONLY, str(folder)],
                screen(str(folder), "--format", "csv", "--output", str(log)),
                options.runs,
            )
            one = next(folder.rglob("*.yaml"))
            compare(
                "3. one-file batch (csv) vs one-file check (json)",
                screen(str(one), "--format", "json"),
                screen(str(one), "--format", "csv"),
                options.runs * 3,
            )
        if not options.memory_only:
            bulk, records = work / "bulk", work / "imported"
            write_bulk(bulk, options.fhir)
            subprocess.run(
                [sys.executable, "-m", "screen", "import", str(bulk), "--output-dir", str(records)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
            )
            as_of = ("--as-of", "2026-11-20")
            fhir = timed_median(
                screen(str(bulk), "--format", "csv", "--output", str(log), *as_of), options.runs
            )
            yaml_ = timed_median(
                screen(str(records), "--format", "csv", "--output", str(log), *as_of), options.runs
            )
            print(
                f"4. {options.fhir} patients: bulk NDJSON {fhir:.3f} s ({options.fhir / fhir:.0f} records/s), "
                f"the same as YAML {yaml_:.3f} s ({options.fhir / yaml_:.0f} records/s), ratio {fhir / yaml_:.2f}"
            )
        if options.fhir_only:
            return
        peaks = []
        for size in (small, large):
            sized = work / f"records-{size}"
            write_records(sized, size)
            peaks.append(peak_kib(screen(str(sized), "--format", "csv", "--output", str(log))))
            shutil.rmtree(sized)
        print(
            f"2. peak memory: {small} records {peaks[0] / 1024:.1f} MiB, "
            f"{large} records {peaks[1] / 1024:.1f} MiB, ratio {peaks[1] / peaks[0]:.2f}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
