#!/usr/bin/env bash
# Local PostgreSQL for development and CI, reached as postgres@127.0.0.1:5432 with trust auth.
#
#   scripts/postgres.sh start          make 127.0.0.1:5432 accept connections (idempotent)
#   scripts/postgres.sh ensure-db NAME create database NAME unless it exists
#
# start prefers what is already there: a server already answering, then an installed Debian
# cluster, and only on a bare machine installs PostgreSQL from Debian packages (needs root).
set -euo pipefail

HOST=127.0.0.1
PORT="${PGPORT:-5432}"
PGUSER_NAME="${PGUSER:-postgres}"
TIMEOUT="${POSTGRES_START_TIMEOUT:-30}"

log() { echo "postgres: $*"; }
die() { echo "postgres: $*" >&2; exit 1; }

ready() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$HOST" -p "$PORT"
  else
    # No client tools yet (bare machine): an open port is the best signal we have.
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null
  fi
}

wait_ready() {
  local i
  for ((i = 0; i < TIMEOUT * 2; i++)); do
    ready && return 0
    sleep 0.5
  done
  die "not accepting connections on $HOST:$PORT after ${TIMEOUT}s"
}

first_cluster_version() {
  # Debian keeps one directory per major version; the first is the one we start.
  local v
  # shellcheck disable=SC2012 # version directories are plain numbers
  v="$(ls /etc/postgresql 2>/dev/null | head -1)"
  [[ -n $v ]] || return 1
  echo "$v"
}

# Tests connect over TCP as postgres without a password; Debian's default is scram for host lines.
# pg_hba is first-match, so the trust line must come before the packaged rules.
allow_trust_on_loopback() {
  local hba="/etc/postgresql/$1/main/pg_hba.conf"
  [[ -f $hba ]] || die "$hba not found"
  if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
}

cmd_start() {
  local v
  if ready; then
    log "already accepting connections on $HOST:$PORT"
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null && v="$(first_cluster_version)"; then
    log "starting cluster $v/main"
    # --skip-systemctl-redirect: no systemd in containers/CI, start the server directly.
    pg_ctlcluster --skip-systemctl-redirect "$v" main start
  elif command -v apt-get >/dev/null; then
    log "PostgreSQL not installed; installing it from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y postgresql
    v="$(first_cluster_version)" || die "no cluster in /etc/postgresql after installing postgresql"
    allow_trust_on_loopback "$v"
    # The package may or may not have started the cluster (no systemd); restart picks up pg_hba either way.
    pg_ctlcluster --skip-systemctl-redirect "$v" main restart
  else
    die "nothing listens on $HOST:$PORT and neither pg_ctlcluster nor apt-get is available"
  fi
  wait_ready
  log "accepting connections on $HOST:$PORT"
}

cmd_ensure_db() {
  local name="${1:-}"
  # Only plain identifiers: the name is spliced into SQL below.
  [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "usage: $0 ensure-db NAME (letters, digits, _)"
  local psql=(psql -h "$HOST" -p "$PORT" -U "$PGUSER_NAME" -d postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" == 1 ]]; then
    log "database $name exists"
  else
    "${psql[@]}" -c "CREATE DATABASE \"$name\""
    log "created database $name"
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  ensure-db) cmd_ensure_db "${2:-}" ;;
  *) die "usage: $0 start | ensure-db NAME" ;;
esac
