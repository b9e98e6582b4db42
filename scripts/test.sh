#!/usr/bin/env bash
# The test command: installs npm packages when needed, then runs the unit and integration projects.
# The integration project's global setup builds (first time only, cached in ~/.cache/ferry) and starts the stack.
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[test] installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
exec npx vitest run "$@"
