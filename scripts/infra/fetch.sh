#!/usr/bin/env bash
# Download (once) the pinned Kafka and S3Proxy jars into .tools/ without starting anything.
# Usage: scripts/infra/fetch.sh [kafka|s3|all]   (default all). kafka-start.sh / s3-start.sh
# call the same functions, so running this first is optional (handy to warm a CI cache).
set -euo pipefail
# shellcheck source=scripts/infra/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

what="${1:-all}"
case "$what" in
  kafka) kafka_fetch ;;
  s3) s3proxy_fetch ;;
  all) kafka_fetch; s3proxy_fetch ;;
  *) die "usage: $0 [kafka|s3|all]" ;;
esac
log "ready: $what (Kafka $KAFKA_VERSION in $KAFKA_HOME, S3Proxy $S3PROXY_VERSION in $S3PROXY_HOME)"
