"""Per-module mutation score from `mutmut results --all true` on stdin.

Score = killed / (killed + survived): a timeout counts as killed (the tests run under a
timeout, so a mutant that hangs fails them); a mutant no test reaches counts as survived;
equivalent mutants are not generated at all (`# pragma: no mutate`, listed in README.md).
"""

from __future__ import annotations

import collections
import re
import sys

LINE = re.compile(r"^\s*screen\.(\w+)\.\S+: (.+)$")
KILLED = {"killed", "timeout"}
SURVIVED = {"survived", "no tests"}


def main() -> None:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in sys.stdin:
        match = LINE.match(line)
        if match:
            counts[match[1]][match[2].strip()] += 1
    print(f"{'module':<12} {'killed':>7} {'survived':>9} {'unchecked':>10} {'score':>7}")
    for module, by_status in sorted(counts.items()):
        killed = sum(by_status[s] for s in KILLED)
        survived = sum(by_status[s] for s in SURVIVED)
        other = sum(by_status.values()) - killed - survived
        tried = killed + survived
        score = f"{100 * killed / tried:.1f}%" if tried else "-"
        print(f"{module:<12} {killed:>7} {survived:>9} {other:>10} {score:>7}")


if __name__ == "__main__":
    main()
