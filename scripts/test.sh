#!/usr/bin/env bash
# The whole test suite: type check, lint, then vitest against real Redis and FerretDB.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm test
