#!/usr/bin/env bash
# The whole suite (npm test): installs the real components when missing, typechecks, then runs unit,
# policy and integration tests. Integration tests start real Envoy and Redis on loopback.
#   scripts/test.sh [all|unit|integration] [extra node --test args]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$HOME/.local/bin:$PATH"
shopt -s globstar nullglob
what="${1:-all}"; shift || true

if [ "$what" = all ]; then
  bash scripts/install-deps.sh
  npx tsc -p tsconfig.json --noEmit
  node --import tsx src/cli.ts policy test               # Rego unit tests (opa test policies/src)
  node --import tsx src/cli.ts policy build --check      # the committed Wasm bundle is what the sources build to
fi
if [ "$what" = all ] || [ "$what" = unit ]; then
  node --import tsx --test --test-reporter=spec "$@" test/unit/**/*.test.ts
fi
if [ "$what" = all ] || [ "$what" = integration ]; then
  node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" test/integration/**/*.test.ts
fi
