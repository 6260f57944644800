#!/usr/bin/env bash
# `npm run stack:down`: stops what `npm run stack:up` started (services with SIGTERM, so they drain), then
# nginx, Kafka, S3Proxy and PostgreSQL. Data of the servers is wiped at their next start; the stack's secrets
# and signing keys stay in .tools/stack (STACK_DIR). STACK_KEEP_SERVERS=1 leaves Kafka, S3Proxy and PostgreSQL
# running (when they were there before stack:up, e.g. started by .ci/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
STACK="${STACK_DIR:-$PWD/.tools/stack}"
for pidfile in "$STACK"/*.pid; do
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    printf '[stack:down] stopped %s\n' "$(basename "$pidfile" .pid)" >&2
  fi
  rm -f "$pidfile"
done
if [ -f "$STACK/nginx/nginx.pid" ]; then
  kill -QUIT "$(cat "$STACK/nginx/nginx.pid")" 2>/dev/null || true
  printf '[stack:down] stopped nginx\n' >&2
fi
rm -rf "$STACK/data"
[ "${STACK_KEEP_SERVERS:-}" = 1 ] && exit 0
scripts/infra/kafka-stop.sh
scripts/infra/s3-stop.sh
scripts/infra/pg-stop.sh
