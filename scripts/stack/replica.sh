#!/usr/bin/env bash
# One replica of the local stack (scripts/stack/up.sh): replica.sh <service> <n> start|ready|stop|kill
#   start  starts it in the background (log .tools/stack/<service>-<n>.log); ready  waits for /health/ready
#   stop   SIGTERM (it drains, then exits) and waits;      kill  SIGKILL (a crash)
# Ports: STACK_PORT_BASE (3100) + 1/2/3 (identity/organization/app-packaging) + 10 * n. Needs POSTGRES_URL,
# KAFKA_PORT, S3_PORT, STACK_GATEWAY_PORT and STACK_DIR as up.sh sets them.
set -euo pipefail
cd "$(dirname "$0")/../.."
STACK="${STACK_DIR:-$PWD/.tools/stack}"
svc="$1" n="$2" action="$3"
BASE="${STACK_PORT_BASE:-3100}"
GATEWAY_PORT="${STACK_GATEWAY_PORT:-8080}"
case "$svc" in identity) offset=1 ;; organization) offset=2 ;; app-packaging) offset=3 ;; *) echo "unknown service $svc" >&2; exit 2 ;; esac
port=$((BASE + offset + 10 * n))
name="$svc-$n"
log() { printf '[stack] %s\n' "$*" >&2; }
alive() { [ -f "$STACK/$name.pid" ] && kill -0 "$(cat "$STACK/$name.pid")" 2>/dev/null; }

case "$action" in
  start)
    if alive; then log "$name already running"; exit 0; fi
    : "${POSTGRES_URL:?POSTGRES_URL is not set (scripts/infra/pg-start.sh prints it)}"
    export REGION=us BUS=kafka KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}" EVENT_STORE=postgres POSTGRES_URL
    export OPERATOR_TOKEN="$(cat "$STACK/operator-token")" SECRETS_MASTER_KEY="$(cat "$STACK/master-key")"
    export SIGNING_KEYS_DIR="$STACK/keys" JWKS_URL="http://127.0.0.1:$GATEWAY_PORT/.well-known/jwks.json"
    export OBJECT_STORAGE=s3 S3_ENDPOINT="http://127.0.0.1:${S3_PORT:-9000}" S3_ACCESS_KEY=minioadmin S3_SECRET_KEY=minioadmin S3_BUCKET=stack-packages
    export DATA_DIR="$STACK/data/$name" PORT="$port" HOST=127.0.0.1 SHUTDOWN_DRAIN_MS="${SHUTDOWN_DRAIN_MS:-2000}" TS_NODE_PROJECT=tsconfig.json
    # a fresh replica rebuilds its read models from the shared log, as a new pod does
    rm -rf "$DATA_DIR"
    setsid nohup node -r ts-node/register/transpile-only -r tsconfig-paths/register "apps/$svc/src/main.ts" >"$STACK/$name.log" 2>&1 </dev/null &
    echo $! >"$STACK/$name.pid"
    log "$name starting on 127.0.0.1:$port (log $STACK/$name.log)"
    ;;
  ready)
    deadline=$(($(date +%s) + ${STACK_READY_TIMEOUT:-240}))
    until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
      alive || { tail -n 30 "$STACK/$name.log" >&2; log "$name exited"; exit 1; }
      [ "$(date +%s)" -lt "$deadline" ] || { tail -n 30 "$STACK/$name.log" >&2; log "$name not ready in time"; exit 1; }
      sleep 0.5
    done
    log "$name ready"
    ;;
  stop | kill)
    alive || { log "$name is not running"; rm -f "$STACK/$name.pid"; exit 0; }
    pid="$(cat "$STACK/$name.pid")"
    kill "-$([ "$action" = stop ] && echo TERM || echo KILL)" "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$STACK/$name.pid"
    log "$name stopped ($action)"
    ;;
  *) echo "usage: replica.sh <service> <n> start|ready|stop|kill" >&2; exit 2 ;;
esac
