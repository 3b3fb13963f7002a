"""Run mutants as `mutmut run` does, with the tests that reach each mutant fastest first.

mutmut 3.8 runs each mutant with every test that reaches its function (its own record,
mutants/mutmut-stats.json), stopping at the first failure; but it passes those tests in the
order of a set, so a mutant that a 0.01 s case kills may first run half a minute of
day-by-day window tests. Here the same tests run in the order of their recorded duration,
so a killed mutant costs about what its fastest failing test costs; a surviving one runs all
of them, exactly as under mutmut. The verdict is mutmut's: pytest's exit code (1: killed,
0: survived), a CPU-time limit as mutmut sets it (a timeout), and it is written to mutmut's
own record (mutants/src/.../*.py.meta), read by `mutmut results` and score.py.

Never run it while `mutmut run` is running: both write the record.
It needs the mutated copy and the test record of a `mutmut run` (run.sh makes them), and
runs the tests as they were copied into mutants/tests then.

    python tools/mutation/fast_run.py [--children N] [--only unchecked|survived] MODULE|NAME...

With `--tests FILE...` (survivors only) it runs those test files instead, in their order: for
new tests written against survivors, without running again every test that let them
survive. A failure is a kill; a mutant they do not kill keeps its "survived". The files must
pass without a mutant (checked first), and be in mutants/tests (copy them there).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KILLED, TIMEOUT = 1, 36  # mutmut's exit codes for "killed" and "timeout"
UNCHECKED = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+", help="modules (engine.evaluate) or mutant names")
    parser.add_argument("--children", type=int, default=int(os.environ.get("CHILDREN", "1")))
    parser.add_argument("--only", choices=["unchecked", "survived"], default="unchecked")
    parser.add_argument(
        "--tests", nargs="+", help="test files to run instead (with --only survived)"
    )
    args = parser.parse_args()
    if args.tests and args.only != "survived":
        parser.error("--tests only adds kills: use it with --only survived")
    os.chdir(ROOT / "mutants")
    stats = json.loads(Path("mutmut-stats.json").read_text())
    reach: dict[str, list[str]] = stats["tests_by_mangled_function_name"]
    duration: dict[str, float] = stats["duration_by_test"]
    wanted = {"unchecked": (UNCHECKED,), "survived": (0, 5, 33)}[args.only]
    listed = {  # equivalent mutants (equivalent.txt): a survivor listed there is not run again
        line.split("#", 1)[0].strip()
        for line in (ROOT / "tools" / "mutation" / "equivalent.txt").read_text().splitlines()
    }

    work: list[tuple[str, Path, list[str]]] = []
    for meta_path in sorted(Path("src").rglob("*.py.meta")):
        meta = json.loads(meta_path.read_text())
        for name, code in meta["exit_code_by_key"].items():
            module = name.split(".x", 1)[0].removeprefix("screen.")
            if (
                code not in wanted
                or (code is not UNCHECKED and name in listed)
                or not any(t == module or fnmatch.fnmatch(name, t) for t in args.targets)
            ):
                continue
            tests = args.tests or sorted(
                reach.get(name.partition("__mutmut_")[0], ()), key=duration.get
            )
            work.append((name, meta_path, tests))
    if not work:
        print("nothing to run")
        return
    print(f"{len(work)} mutants, {args.children} at a time", flush=True)

    # The mutated copy first, as mutmut puts it, then the copy's root (for `tests.conftest`).
    sys.path[:1] = [str(Path("src").resolve()), str(Path.cwd())]
    import pytest

    # Import the tests once, here: every child forked after inherits them.
    every = sorted({t.split("::")[0] for _, _, tests in work for t in tests})
    with open(os.devnull, "w") as quiet:
        out, err = os.dup(1), os.dup(2)
        os.dup2(quiet.fileno(), 1)
        os.dup2(quiet.fileno(), 2)
        try:
            pytest.main(["--rootdir=.", "--collect-only", "-q", "-p", "no:cacheprovider", *every])
        finally:
            os.dup2(out, 1)
            os.dup2(err, 2)

    flags = ["--rootdir=.", "--tb=no", "-x", "-q", "-p", "no:cacheprovider"]
    if args.tests:  # they must pass as they are, or every mutant would look killed
        pid = os.fork()
        if pid == 0:
            with open(os.devnull, "w") as quiet:
                os.dup2(quiet.fileno(), 1)
                os.dup2(quiet.fileno(), 2)
                os._exit(int(pytest.main([*flags, *args.tests])))
        if os.waitpid(pid, 0)[1] != 0:
            sys.exit(f"{' '.join(args.tests)}: these tests fail without a mutant")

    metas: dict[Path, dict[str, object]] = {}
    running: dict[int, tuple[str, Path, float]] = {}
    done = killed = 0
    started = time.monotonic()

    def record(pid: int, status: int) -> None:
        nonlocal done, killed
        name, meta_path, began = running.pop(pid)
        if os.WIFSIGNALED(status):
            code = TIMEOUT if os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL) else 3
        else:
            code = os.WEXITSTATUS(status)
        if args.tests and code == 0:  # not killed by these: keeps the verdict it had
            code = int(meta_code(meta_path, name) or 0)
        meta = metas.setdefault(meta_path, json.loads(meta_path.read_text()))
        meta["exit_code_by_key"][name] = code  # type: ignore[index]
        meta["durations_by_key"][name] = round(time.monotonic() - began, 3)  # type: ignore[index]
        temporary = meta_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(meta, indent=4))
        temporary.replace(meta_path)
        done += 1
        killed += code != 0
        if done % 20 == 0 or done == len(work):
            rate = done / (time.monotonic() - started) * 60
            print(f"{done}/{len(work)}: {killed} killed, {rate:.0f} a minute", flush=True)
        if code == 0:
            print(f"survived: {name}", flush=True)

    for name, meta_path, tests in work:
        while len(running) >= args.children:
            record(*os.wait())
        limit = int((sum(duration.get(t, 30) for t in tests) + 10) * 4)  # CPU seconds
        pid = os.fork()
        if pid == 0:  # the child: one mutant, its tests fastest first, stop at the first failure
            os.environ["MUTANT_UNDER_TEST"] = name
            resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
            with open(os.devnull, "w") as quiet:
                os.dup2(quiet.fileno(), 1)
                os.dup2(quiet.fileno(), 2)
                code = pytest.main([*flags, *tests]) if tests else 33
            os._exit(int(code))
        running[pid] = (name, meta_path, time.monotonic())
    while running:
        record(*os.wait())


def meta_code(meta_path: Path, name: str) -> object:
    return json.loads(meta_path.read_text())["exit_code_by_key"][name]


if __name__ == "__main__":
    main()
