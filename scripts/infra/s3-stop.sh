#!/usr/bin/env bash
# Stop the S3Proxy started by s3-start.sh (SIGTERM, up to 30 s, then SIGKILL).
# Exit 0 when it is not running. Data stays in .tools/s3-data until the next start wipes it.
set -euo pipefail
# shellcheck source=scripts/infra/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

stop_pidfile S3Proxy "$TOOLS/s3proxy.pid" "org.gaul.s3proxy.Main" "${S3_STOP_TIMEOUT:-30}"
