#!/usr/bin/env bash
# The test command: installs npm packages when needed, then runs the unit and integration projects.
# The integration project's global setup builds (first time only, cached in ~/.cache/ferry) and starts the stack.
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The functions target nodejs20.x, which the AWS SDK supports until 2027: its notice about that is noise here.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[test] installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
exec npx vitest run "$@"
