#!/usr/bin/env bash
# Container entrypoint: fills in the silo's identity when the orchestrator has not, then runs the given command.
# Kubernetes sets POD_NAME and POD_IP from the downward API; Docker and compose do not, so a silo there names itself
# after its container (the hostname, unique per replica of `--scale silo=N`) and advertises the address its
# container has on the compose network, which is where the other silos and the web fronts reach it.
set -euo pipefail

if [ -z "${POD_NAME:-}" ]; then
  export POD_NAME="${HOSTNAME:-$(cat /etc/hostname)}"
fi
if [ -z "${POD_IP:-}" ]; then
  # Docker writes the container's own address for its hostname into /etc/hosts. A loopback answer (a host, not a
  # container) is no address for other silos: then POD_IP stays unset and the silo picks its own.
  if read -r address _ < <(getent hosts "$POD_NAME") && [[ "$address" != 127.* && "$address" != ::1 ]]; then
    export POD_IP="$address"
  fi
fi

exec "$@"
