#!/bin/sh
# Install the system tools the tests and benchmarks rely on (Debian):
#   chromium  – real browser for Playwright tests (/usr/bin/chromium)
#   nginx     – a second, independent range server for transport tests
#   zstd      – native baseline for the decode benchmark
#   slurm-wlm, munge – the single-node Slurm cluster of test/slurm (run in CI)
# Idempotent: does nothing (and prints nothing) when everything is present.
set -eu

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
command -v zstd >/dev/null 2>&1 || missing="$missing zstd"
[ -x /usr/sbin/slurmctld ] || command -v slurmctld >/dev/null 2>&1 || missing="$missing slurm-wlm"
[ -x /usr/sbin/munged ] || command -v munged >/dev/null 2>&1 || missing="$missing munge"

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system: missing:$missing (no apt-get; install them by hand)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-system: missing:$missing and not root (no sudo)" >&2
    exit 1
  fi
fi

echo "ensure-system: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

# The nginx package starts a system service on port 80 where an init system
# runs; tests start their own instances, so stop it if it is running.
if [ -f /run/nginx.pid ] && command -v nginx >/dev/null 2>&1; then
  $SUDO nginx -s quit 2>/dev/null || true
fi

for tool in $missing; do
  case "$tool" in
    chromium) [ -x /usr/bin/chromium ] || { echo "ensure-system: chromium still missing" >&2; exit 1; } ;;
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "ensure-system: nginx still missing" >&2; exit 1; } ;;
    *) command -v "$tool" >/dev/null 2>&1 || { echo "ensure-system: $tool still missing" >&2; exit 1; } ;;
  esac
done
