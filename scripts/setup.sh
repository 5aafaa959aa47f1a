#!/usr/bin/env bash
# Everything the hub and its tests need on a fresh machine of this kind: Node packages, the
# embedded FerretDB build (tools/ferretdb) and a running Redis. Safe to run again: each step
# is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: $1 is required ($2)" >&2; exit 1; }; }
need node "Node.js >= 20.19"
need npm "comes with Node.js"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "setup: Node.js >= 20.19 is required, found $(node --version)" >&2; exit 1; }

# Puppeteer (under whatsapp-web.js) must not try to download a browser: Debian's chromium is used.
export PUPPETEER_SKIP_DOWNLOAD=1

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Node packages (npm ci)"
  if ! npm ci --no-audit --no-fund; then
    # This machine's registry answers 404 for some platforms' optional prebuilt packages (e.g.
    # msgpackr-extract for macOS/Windows), so the lock file cannot list them and `npm ci` calls it
    # out of sync. `npm install --no-save` installs the locked versions without rewriting the lock.
    echo "setup: npm ci refused the lock file; installing the locked versions with npm install --no-save"
    npm install --no-save --no-audit --no-fund
  fi
fi

# The MongoDB-wire server, unless an external MongoDB is configured.
if [ -z "${MONGODB_URI:-}" ]; then
  need go "to build the embedded FerretDB in tools/ferretdb"
  bin=.cache/bin/ferretdb
  if [ ! -x "$bin" ] || [ -n "$(find tools/ferretdb -newer "$bin" -type f 2>/dev/null | head -1)" ]; then
    echo "setup: building FerretDB (tools/ferretdb; the first build downloads modules and takes about a minute)"
    tools/ferretdb/build.sh "$bin"
  fi
fi

# The widget's browser tests drive Debian's Chromium through playwright-core (no browser download).
if [ -z "${SKIP_BROWSER:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Debian's chromium for the browser tests (set SKIP_BROWSER=1 to skip)"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  fi
fi

# redis-server: the reliability suite starts its own (to stop and kill them), whatever answers on 6379.
if ! command -v redis-server >/dev/null 2>&1; then
  echo "setup: installing redis-server"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null
  fi
fi

# Redis: start a local one when the default address does not answer.
if [ -z "${REDIS_URL:-}" ]; then
  if ! (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c5 <&3 | grep -q PONG) 2>/dev/null; then
    echo "setup: starting redis-server on 127.0.0.1:6379"
    mkdir -p .data/redis
    # noeviction: BullMQ must never lose queued jobs to eviction.
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$PWD/.data/redis" \
      --appendonly yes --maxmemory-policy noeviction --logfile "$PWD/.data/redis/redis.log"
    for _ in $(seq 1 50); do
      (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break
      sleep 0.1
    done
  fi
fi
