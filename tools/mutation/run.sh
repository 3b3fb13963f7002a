#!/usr/bin/env bash
# Mutation testing of the decision logic (mutmut 3), one module at a time: see README.md.
#
#   tools/mutation/run.sh engine.evaluate engine.logic   # the named modules, every mutant
#   tools/mutation/run.sh --survivors engine.evaluate    # only what survived last time
#   tools/mutation/run.sh --unchecked engine.window      # only what a stopped run left
#   tools/mutation/run.sh --score                  # the scores of the last runs, per module
#
# Environment: CHILDREN (parallel mutants, default 1), MUTMUT (default .venv/bin/mutmut),
# HYPOTHESIS_SCALE (share of each property's examples, default 0.1).
set -euo pipefail
cd "$(dirname "$0")/../.."
MUTMUT=${MUTMUT:-.venv/bin/mutmut}
CHILDREN=${CHILDREN:-1}
# Every surviving mutant runs every test that reaches it: the properties run a tenth of
# their examples, the same ones for every mutant (the "mutation" profile of tests/conftest.py).
export HYPOTHESIS_SCALE=${HYPOTHESIS_SCALE:-0.1}
export HYPOTHESIS_PROFILE=mutation
# A checked criteria file kept between runs (screen.checked_cache) would be read by every
# mutant's tests from the unmutated first run, so no mutant of the loading code is ever seen.
export SCREEN_NO_CACHE=1

score() { "$MUTMUT" results --all true 2>/dev/null | python3 tools/mutation/score.py; }

only=""  # survived | not checked: rerun only the mutants left in that state
case "${1:-}" in
  --score) score; exit 0 ;;
  --survivors) only=survived; shift ;;
  --unchecked) only="not checked"; shift ;;
esac
[ $# -gt 0 ] || set -- engine.evaluate engine.logic engine.dates engine.window rules.vocabulary \
  engine.entries record.fields record.dictionary record.model fhir.mapping

mkdir -p mutants
for module in "$@"; do
  if [ -n "$only" ]; then
    # the survivors (or the mutants a stopped run left), less those listed as equivalent
    mapfile -t names < <("$MUTMUT" results --all true 2>/dev/null \
      | sed -n "s/^ *\(screen\.${module//./\\.}\.x[^:]*\): $only$/\1/p" \
      | grep -vxF -f <(sed 's/#.*//; s/ *$//; /^$/d' tools/mutation/equivalent.txt))
    [ ${#names[@]} -gt 0 ] || { echo "$module: none $only"; continue; }
  else
    names=("screen.$module.*")
  fi
  start=$(date +%s)
  "$MUTMUT" run --max-children "$CHILDREN" "${names[@]}" > "mutants/run-$module.log" 2>&1 || true
  echo "$module: ${#names[@]} pattern(s) run in $(( $(date +%s) - start )) s ($(date -u +%FT%TZ))"
done
score
