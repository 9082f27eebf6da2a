#!/usr/bin/env bash
# The real services the integration tests talk to, started by the repo itself (no Docker needed):
# PostgreSQL on 127.0.0.1:5432 and a single-node Kafka on 127.0.0.1:9092.
#
#   scripts/infra.sh up     start both (idempotent) and create the test database
#   scripts/infra.sh down   stop the Kafka broker this repo started (PostgreSQL is the machine's own)
#   scripts/infra.sh env    print the variables that point tests at them
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEST_DATABASE=leadledger_test

case "${1:-}" in
  up)
    bash "$ROOT/scripts/postgres.sh" start
    bash "$ROOT/scripts/postgres.sh" ensure-db "$TEST_DATABASE"
    bash "$ROOT/scripts/kafka.sh" start
    ;;
  down)
    bash "$ROOT/scripts/kafka.sh" stop
    ;;
  env)
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$TEST_DATABASE"
    echo "export KAFKA_BROKERS=127.0.0.1:${KAFKA_PORT:-9092}"
    ;;
  *)
    echo "usage: scripts/infra.sh up|down|env" >&2
    exit 2
    ;;
esac
