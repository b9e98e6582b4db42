#!/usr/bin/env bash
# The one-command demo (README's first command): builds and starts the local stack, runs the four functions
# behind the Lambda API, backs up the seed article's StatefulSet from `source`, waits for the bucket event to
# index it, and restores it into `target` with the seed's mappings and modifier rules; prints what changed.
# Everything it starts is stopped when it ends or is interrupted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -d node_modules ]] || npm ci
# The functions run on nodejs20.x, which the AWS SDK supports until 2027: its notice about that is noise here.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node --import tsx scripts/demo/run.ts "$@"
