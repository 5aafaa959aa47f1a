#!/usr/bin/env bash
# Runs the hub on the demo config (config/switchboard.yaml) with the embedded FerretDB and local Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec node bin/switchboard.js start --config "${SWITCHBOARD_CONFIG:-config/switchboard.yaml}" "$@"
