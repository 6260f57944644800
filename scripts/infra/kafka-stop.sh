#!/usr/bin/env bash
# Stop the Kafka broker started by kafka-start.sh (SIGTERM, up to 30 s, then SIGKILL).
# Exit 0 when it is not running. Data stays in .tools/kafka-data until the next start wipes it.
set -euo pipefail
# shellcheck source=scripts/infra/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

# KAFKA_INSTANCE: the second broker started with the same KAFKA_INSTANCE
stop_pidfile Kafka "$TOOLS/kafka${KAFKA_INSTANCE:+-$KAFKA_INSTANCE}.pid" "kafka.Kafka" "${KAFKA_STOP_TIMEOUT:-30}"
