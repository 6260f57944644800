#!/usr/bin/env bash
# `npm run stack:up`: the distributed stack on one machine, from the scripts the tests use: Kafka, S3Proxy and
# PostgreSQL (scripts/infra), then identity, organization and app-packaging with STACK_REPLICAS replicas each
# (default 2) on the shared PostgreSQL store and Kafka, and an nginx gateway in front that balances the
# replicas. Prints the gateway URL, the operator token and where the logs are. `npm run stack:down` stops all.
#
# Env (all optional): STACK_GATEWAY_PORT (8080), STACK_PORT_BASE (3100: identity 3101, 3111, ...; organization
# 3102, 3112, ...; app-packaging 3103, 3113, ...), STACK_REPLICAS (2), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT
# (9093), S3_PORT (9000), PG_PORT (5432), NGINX (/usr/sbin/nginx), STACK_DIR (.tools/stack: secrets, logs, pid
# files), STACK_PG_DATABASE (a database of its own on the PostgreSQL server, created when missing; default the
# server's `postgres` database). Servers already running on those ports (started by the same scripts) are reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
STACK="${STACK_DIR:-$ROOT/.tools/stack}"
GATEWAY_PORT="${STACK_GATEWAY_PORT:-8080}"
BASE="${STACK_PORT_BASE:-3100}"
REPLICAS="${STACK_REPLICAS:-2}"
NGINX="${NGINX:-/usr/sbin/nginx}"
export KAFKA_PORT="${KAFKA_PORT:-9092}" KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}" S3_PORT="${S3_PORT:-9000}" PG_PORT="${PG_PORT:-5432}"
log() { printf '[stack:up] %s\n' "$*" >&2; }
[ -x "$NGINX" ] || { log "nginx not found at $NGINX (apt-get install -y nginx)"; exit 1; }
mkdir -p "$STACK"

scripts/infra/fetch.sh all
scripts/infra/kafka-start.sh
scripts/infra/s3-start.sh
POSTGRES_URL="$(scripts/infra/pg-start.sh)"
if [ -n "${STACK_PG_DATABASE:-}" ]; then
  [[ "$STACK_PG_DATABASE" =~ ^[a-z_][a-z0-9_]*$ ]] || { log "STACK_PG_DATABASE must match [a-z_][a-z0-9_]*"; exit 1; }
  PSQL="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}/psql"
  if [ -z "$("$PSQL" "$POSTGRES_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$STACK_PG_DATABASE'")" ]; then
    "$PSQL" "$POSTGRES_URL" -qc "CREATE DATABASE $STACK_PG_DATABASE" >&2
  fi
  POSTGRES_URL="${POSTGRES_URL%/*}/$STACK_PG_DATABASE"
fi

# secrets made once and kept under .tools/stack (git-ignored), shared by every replica
[ -f "$STACK/operator-token" ] || node -e 'console.log("op_" + require("crypto").randomBytes(32).toString("base64url"))' >"$STACK/operator-token"
[ -f "$STACK/master-key" ] || node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))' >"$STACK/master-key"
chmod 600 "$STACK/operator-token" "$STACK/master-key"
if ! ls "$STACK/keys/"*.jwk.json >/dev/null 2>&1; then
  npx ts-node -r tsconfig-paths/register --transpile-only tools/generate-signing-key.ts "$STACK/keys" >&2
fi

ports() { local offset="$1" n out=""; for ((n = 0; n < REPLICAS; n++)); do out="$out $((BASE + offset + 10 * n))"; done; echo "$out"; }
export POSTGRES_URL GATEWAY_PORT BASE STACK_DIR="$STACK"
start_replica() { scripts/stack/replica.sh "$1" "$2" start; }
wait_ready() { scripts/stack/replica.sh "$1" "$2" ready; }

# the gateway first: organization and app-packaging fetch identity's keys through it
mkdir -p "$STACK/nginx/tmp"
scripts/stack/nginx.conf.sh "$GATEWAY_PORT" "$STACK/nginx" "$(ports 1)" "$(ports 2)" "$(ports 3)" >"$STACK/nginx/nginx.conf"
"$NGINX" -t -q -p "$STACK/nginx" -c "$STACK/nginx/nginx.conf" -g "daemon off;" 2>&1 | grep -v '^$' >&2 || true
if ! { [ -f "$STACK/nginx/nginx.pid" ] && kill -0 "$(cat "$STACK/nginx/nginx.pid")" 2>/dev/null; }; then
  setsid nohup "$NGINX" -p "$STACK/nginx" -c "$STACK/nginx/nginx.conf" -g "daemon off;" >"$STACK/nginx/nginx.out" 2>&1 </dev/null &
fi

for ((n = 0; n < REPLICAS; n++)); do start_replica identity "$n"; done
for ((n = 0; n < REPLICAS; n++)); do wait_ready identity "$n"; done
for svc in organization app-packaging; do for ((n = 0; n < REPLICAS; n++)); do start_replica "$svc" "$n"; done; done
for svc in organization app-packaging; do for ((n = 0; n < REPLICAS; n++)); do wait_ready "$svc" "$n"; done; done

cat <<MSG

  gateway:        http://127.0.0.1:$GATEWAY_PORT   (e.g. curl http://127.0.0.1:$GATEWAY_PORT/.well-known/jwks.json)
  operator token: $STACK/operator-token
  service logs:   $STACK/<service>-<n>.log   nginx: $STACK/nginx/{access,error}.log
  servers:        Kafka 127.0.0.1:$KAFKA_PORT, S3Proxy http://127.0.0.1:$S3_PORT, PostgreSQL $POSTGRES_URL (logs in .tools/)
  stop:           npm run stack:down
MSG
