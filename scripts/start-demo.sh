#!/usr/bin/env bash
# Runs the hub on the demo config (config/switchboard.yaml) with the embedded FerretDB and local Redis.
# (The hub itself needs no browser: only the tests and WhatsApp Web accounts do.)
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BROWSER="${SKIP_BROWSER:-1}" ./scripts/setup.sh
# Readable log lines, also when the output is piped (LOG_FORMAT=json for JSON).
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
exec node bin/switchboard.js start --config "${SWITCHBOARD_CONFIG:-config/switchboard.yaml}" "$@"
