"""Per-module mutation score from `mutmut results --all true` on stdin.

Score = killed / (killed + survived): a timeout counts as killed (the tests run under a
timeout, so a mutant that hangs fails them); a mutant no test reaches counts as survived.
Equivalent mutants are left out: those on a line marked `# pragma: no mutate` are never
generated; those on a line that also has mutants worth keeping are listed, each with its
reason, in equivalent.txt beside this file (a listed mutant that is killed is reported).
"""

from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

LINE = re.compile(r"^\s*(screen\.([\w.]+?)\.x\S+): (.+)$")  # module: engine.evaluate
EQUIVALENT = Path(__file__).with_name("equivalent.txt")
KILLED = {"killed", "timeout"}
SURVIVED = {"survived", "no tests"}


def main() -> None:
    equivalent = {
        line.split("#", 1)[0].strip()
        for line in EQUIVALENT.read_text().splitlines()
        if line.split("#", 1)[0].strip()
    }
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in sys.stdin:
        match = LINE.match(line)
        if not match:
            continue
        name, module, status = match[1], match[2], match[3].strip()
        if name in equivalent:
            if status in KILLED:
                print(f"listed as equivalent but killed: {name}")
            status = "equivalent"
        counts[module][status] += 1
    print(
        f"{'module':<16} {'killed':>7} {'survived':>9} {'equivalent':>11} {'unchecked':>10}"
        f" {'score':>7}"
    )
    for module, by_status in sorted(counts.items()):
        killed = sum(by_status[s] for s in KILLED)
        survived = sum(by_status[s] for s in SURVIVED)
        same = by_status["equivalent"]
        other = sum(by_status.values()) - killed - survived - same
        tried = killed + survived
        score = f"{100 * killed / tried:.1f}%" if tried else "-"
        print(f"{module:<16} {killed:>7} {survived:>9} {same:>11} {other:>10} {score:>7}")


if __name__ == "__main__":
    main()
