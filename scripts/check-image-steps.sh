#!/usr/bin/env bash
# Runs the steps of docker/*.Dockerfile without a Docker engine: turbo prune, frozen install of the pruned
# workspace, build, `pnpm deploy --prod`; then starts the deployed executor folder on its own and checks /ready.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

for service in executor trainer; do
  echo "== image steps for @outliers/$service"
  (cd "$root" && pnpm exec turbo prune "@outliers/$service" --docker --out-dir "$work/$service/out" >/dev/null)
  src="$work/$service/src"
  mkdir -p "$src"
  cp -r "$work/$service/out/json/." "$src/"
  (cd "$src" && pnpm install --frozen-lockfile --prefer-offline --reporter=silent)
  cp -r "$work/$service/out/full/." "$src/"
  (cd "$src" && pnpm exec turbo run build --filter="@outliers/$service..." --output-logs=errors-only >/dev/null)
  (cd "$src" && pnpm --filter "@outliers/$service" deploy --prod --legacy "$work/$service/app" >/dev/null)
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
    usage=$(cd "$work/trainer/app" && node dist/main.js 2>&1 || true)
    grep -q "trainer run-once" <<<"$usage" || { echo "deployed trainer does not run: $usage" >&2; exit 1; }
    echo "deployed trainer runs"
    exit 0
  fi
  sleep 0.2
done
echo "deployed executor did not become ready" >&2
exit 1
