#!/usr/bin/env bash
# Does a test kill a mutant? Runs pytest with one mutant switched on, against the mutated
# copy a run left in mutants/src (so without a whole `mutmut run`): see README.md.
#
#   tools/mutation/try.sh screen.engine.evaluate.x__mean__mutmut_26 tests/test_rule_language.py -k mean
#
# Run it from the root of a checkout (a worktree too: MUTANTS names the main one's mutants/).
# "killed" when the tests fail with the mutant on; the same tests must pass without it.
set -uo pipefail
[ $# -ge 2 ] || { sed -n 2,8p "$0"; exit 2; }
mutant=$1; shift
MUTANTS=${MUTANTS:-$(cd "$(dirname "$0")/../.." && pwd)/mutants}
PY=${PY:-$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin/python}
[ -d "$MUTANTS/src" ] || { echo "no $MUTANTS/src: run tools/mutation/run.sh first"; exit 2; }
export HYPOTHESIS_SCALE=${HYPOTHESIS_SCALE:-0.1} HYPOTHESIS_PROFILE=mutation SCREEN_NO_CACHE=1
run() { PYTHONPATH="$MUTANTS/src" "$PY" -m pytest -q -x -p no:cacheprovider "$@" >/dev/null 2>&1; }
MUTANT_UNDER_TEST="" run "$@" || { echo "$mutant: the tests fail without the mutant"; exit 2; }
if MUTANT_UNDER_TEST="$mutant" run "$@"; then echo "$mutant: survived"; exit 1; fi
echo "$mutant: killed"
