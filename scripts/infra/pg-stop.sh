#!/usr/bin/env bash
# Stop the PostgreSQL cluster started by pg-start.sh (pg_ctl stop -m fast). Exit 0 when it is not running.
set -euo pipefail
# shellcheck source=scripts/infra/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
DATA="$TOOLS/postgres-data"
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ ! -f "$DATA/postmaster.pid" ] || ! as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "PostgreSQL is not running"
  exit 0
fi
as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t "${PG_STOP_TIMEOUT:-30}" stop >/dev/null
log "PostgreSQL stopped"
