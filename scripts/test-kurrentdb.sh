#!/usr/bin/env bash
# KurrentDB test tier: the event store contract suite (libs/**/*.kurrent-spec.ts) against a real KurrentDB node.
#
#   KURRENTDB_CONNECTION_STRING='kurrentdb://127.0.0.1:2113?tls=false' scripts/test-kurrentdb.sh [jest args...]
#
# Without KURRENTDB_CONNECTION_STRING it runs nothing, says so, and exits 0: the tier is opt-in, and it is
# reported as not run rather than as skipped or passing tests.
# It runs the `kurrentdb` project of jest.config.js.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z "${KURRENTDB_CONNECTION_STRING:-}" ]]; then
  echo 'KurrentDB contract suite: NOT RUN (KURRENTDB_CONNECTION_STRING is not set; see README "KurrentDB")'
  exit 0
fi

exec npx jest -c jest.config.js --selectProjects kurrentdb --runInBand "$@"
