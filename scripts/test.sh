#!/usr/bin/env bash
# The whole test suite: type check, lint, vitest against real Redis and FerretDB, then the
# reliability suite's short version (its own Redis and FerretDB).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm test
# The reliability suite at CI sizes (its vitest-backed scenarios just ran in npm test).
npm run reliability -- --short --skip-tests
