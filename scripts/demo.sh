#!/usr/bin/env bash
# The demo stack, natively (the same processes docker-compose.yml runs): Portcullis, five upstream
# services, and Envoy in front on :10000 (HTTP), :10443 (TLS) and :10444 (mTLS). Ctrl-C stops all.
#   scripts/demo.sh            uses envoy/portcullis.yaml
#   PORTCULLIS_CONFIG=my.yaml scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null || true
[ -d node_modules ] || npm ci
bash scripts/gen-certs.sh envoy/certs >/dev/null
mkdir -p .tmp
node --import tsx scripts/render-envoy.ts > .tmp/envoy.yaml
envoy_bin=$(python3 -c 'import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), "_bin", "envoy"))' 2>/dev/null || command -v envoy)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
node scripts/echo-upstream.mjs users=8081 payments=8082 orders=8083 inventory=8084 web=8085 & pids+=($!)
node --import tsx src/cli.ts serve --config "${PORTCULLIS_CONFIG:-envoy/portcullis.yaml}" & pids+=($!)
for i in $(seq 1 100); do curl -sf localhost:9901/readyz >/dev/null && break; sleep 0.1; done
"$envoy_bin" -c .tmp/envoy.yaml --base-id 7 --log-level warn & pids+=($!)
for i in $(seq 1 100); do curl -sf localhost:9902/ready >/dev/null && break; sleep 0.1; done
cat <<'MSG'

Portcullis demo is up.
  curl -i localhost:10000/api/v1/orders/42                      # allowed, upstream echoes the headers it got
  curl -i -X DELETE localhost:10000/api/v1/users                # 405 from a static rule
  curl -i -X POST localhost:10000/api/v1/inventory/1            # 403: inventory is read-only
  curl -i --cacert envoy/certs/ca.crt https://localhost:10443/api/v1/orders/1
  curl -i --cacert envoy/certs/ca.crt --cert envoy/certs/client.crt --key envoy/certs/client.key https://localhost:10444/api/v1/orders/1
  curl -s localhost:9901/metrics | grep portcullis_checks_total
Ctrl-C stops everything.
MSG
wait
