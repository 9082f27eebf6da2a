#!/usr/bin/env bash
# Checks deploy/prometheus/alerts.yml and runs its unit tests with promtool. promtool comes with
# Debian's prometheus package; on a machine without it, this installs it (as root) or fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RULES="$ROOT/deploy/prometheus"

if ! command -v promtool >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "promtool: installing Debian's prometheus package for it"
    # The package would start a server: keep it from doing so, only its tools are wanted.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "promtool is missing: install Prometheus' promtool (Debian: apt-get install prometheus)" >&2
    exit 1
  fi
fi

promtool check rules "$RULES/alerts.yml"
(cd "$RULES" && promtool test rules alerts.test.yml)
