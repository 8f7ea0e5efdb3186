#!/usr/bin/env bash
# npm test: run the mocha suite inside a fresh network namespace holding only loopback when we can
# (root and iproute2), so no packet can leave the machine whatever a library default does
# (docs/DESIGN.md invariants 6 and 7); plainly otherwise.
set -u
cd "$(dirname "$0")/.."
MOCHA=(node node_modules/mocha/bin/mocha.js "$@")
OUT=$(mktemp)
# mocha's summary, restated as the plain "N passed, N failed" line CI reads
summary() {
  local rc=$1 passed failed
  passed=$(grep -oE '^ *[0-9]+ passing' "$OUT" | grep -oE '[0-9]+' | tail -1)
  failed=$(grep -oE '^ *[0-9]+ failing' "$OUT" | grep -oE '[0-9]+' | tail -1)
  echo "tests: ${passed:-0} passed, ${failed:-0} failed"
  rm -f "$OUT"
  exit "$rc"
}
if [[ $(id -u) == 0 ]] && command -v ip >/dev/null 2>&1; then
  NS=ferry-test-$$
  if ip netns add "$NS" 2>/dev/null; then
    trap 'ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null; ip netns del "$NS" 2>/dev/null' EXIT
    ip -n "$NS" link set lo up
    echo "running tests in network namespace $NS (loopback only)"
    FERRY_TEST_NETNS=$NS ip netns exec "$NS" "${MOCHA[@]}" 2>&1 | tee "$OUT"
    summary "${PIPESTATUS[0]}"
  fi
fi
echo "running tests without a network namespace (not root or no iproute2): loopback addresses only"
"${MOCHA[@]}" 2>&1 | tee "$OUT"
summary "${PIPESTATUS[0]}"
