#!/usr/bin/env bash
# Runs the steps of docker/*.Dockerfile without a Docker engine: turbo prune, frozen install of the pruned
# workspace, build, `pnpm deploy --prod`; then starts the deployed executor folder on its own and checks /ready.
# The work folder sits inside the checkout (var/, git-ignored) so the pruned install uses the same pnpm store and
# drive as the main one; a failing step prints its own output and the disk space left.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$root/var"
work="$(mktemp -d "$root/var/image-steps.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Runs a step quietly; on failure shows what it printed.
step() {
  local log="$work/step.log"
  if ! "$@" >"$log" 2>&1; then
    echo "step failed: $*" >&2
    cat "$log" >&2
    df -h "$work" >&2 || true
    exit 1
  fi
}

for service in executor trainer; do
  echo "== image steps for @outliers/$service"
  out="$work/$service/out"
  src="$work/$service/src"
  step bash -c "cd '$root' && pnpm exec turbo prune '@outliers/$service' --docker --out-dir '$out'"
  mkdir -p "$src"
  cp -r "$out/json/." "$src/"
  step bash -c "cd '$src' && pnpm install --frozen-lockfile --prefer-offline"
  cp -r "$out/full/." "$src/"
  step bash -c "cd '$src' && pnpm exec turbo run build --filter='@outliers/$service...' --concurrency=1 --output-logs=errors-only"
  step bash -c "cd '$src' && pnpm --filter '@outliers/$service' deploy --prod --legacy '$work/$service/app'"
  test -f "$work/$service/app/dist/$([ "$service" = executor ] && echo server.js || echo main.js)"
done

echo "== deployed executor starts on its own"
port=$((20000 + RANDOM % 20000))
(cd "$work/executor/app" && PORT=$port HOST=127.0.0.1 STATE_DIR="$work/state" MODEL_DIR="$work/models" \
  LOG_LEVEL=warn node dist/server.js) &
pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then
    echo "ready on $port"
    # The metric API's worker threads load from the deployed dist/ (shallow model: no trained model needed).
    rows='[{"timestamp":"2024-05-06T00:00:00Z","result":{"bytes":10}},{"timestamp":"2024-05-06T01:00:00Z","result":{"bytes":12}},{"timestamp":"2024-05-06T02:00:00Z","result":{"bytes":11}}]'
    reply=$(curl -sS -X POST "http://127.0.0.1:$port/api/v1/outliers" -H 'content-type: application/json' \
      --data "{\"data\":$rows}")
    grep -q '"status":"success"' <<<"$reply" || { echo "deployed metric API failed: $reply" >&2; exit 1; }
    echo "deployed metric API answers"
    usage=$(cd "$work/trainer/app" && node dist/main.js 2>&1 || true)
    grep -q "trainer run-once" <<<"$usage" || { echo "deployed trainer does not run: $usage" >&2; exit 1; }
    echo "deployed trainer runs"
    exit 0
  fi
  sleep 0.2
done
echo "deployed executor did not become ready" >&2
exit 1
