#!/usr/bin/env bash
# The demo stack, natively (the same processes docker-compose.yml runs): Redis, Portcullis, five upstream
# services, and Envoy in front on :10000 (HTTP), :10443 (TLS) and :10444 (mTLS). Ctrl-C stops all.
#   scripts/demo.sh            uses envoy/portcullis-full.yaml (every capability; credentials in envoy/demo/)
#   PORTCULLIS_CONFIG=envoy/portcullis.yaml scripts/demo.sh     static rules and rate limits only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null || true
[ -d node_modules ] || npm ci
bash scripts/gen-certs.sh envoy/certs >/dev/null
node --import tsx scripts/demo-credentials.ts envoy/demo
mkdir -p .tmp
node --import tsx scripts/render-envoy.ts > .tmp/envoy.yaml
envoy_bin=$(python3 -c 'import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), "_bin", "envoy"))' 2>/dev/null || command -v envoy)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no >/dev/null & pids+=($!)
fi
node scripts/echo-upstream.mjs users=8081 payments=8082 orders=8083 inventory=8084 web=8085 & pids+=($!)
node --import tsx scripts/demo-idp.ts --port 8090 & pids+=($!)
node --import tsx src/cli.ts serve --config "${PORTCULLIS_CONFIG:-envoy/portcullis-full.yaml}" & pids+=($!)
for i in $(seq 1 100); do curl -sf localhost:9901/readyz >/dev/null && break; sleep 0.1; done
"$envoy_bin" -c .tmp/envoy.yaml --base-id 7 --log-level warn --file-flush-interval-msec 1000 & pids+=($!)   # access log: stdout, JSON
for i in $(seq 1 100); do curl -sf localhost:9902/ready >/dev/null && break; sleep 0.1; done
cat <<'MSG'

Portcullis demo is up. In another shell:  source envoy/demo/env.sh   (ALICE_TOKEN reader, WRITER_TOKEN, ADMIN_TOKEN, API_KEY)
  curl -i localhost:10000/api/v1/orders/1                                        # 401 + WWW-Authenticate
  curl -i localhost:10000/api/v1/orders/1 -H "Authorization: Bearer $ALICE_TOKEN" # 200, upstream sees x-user-id: alice
  curl -i -X POST localhost:10000/api/v1/orders -H "Authorization: Bearer $ALICE_TOKEN" -d '{}'   # 403: readers don't write
  curl -i localhost:10000/api/v1/orders/2 -H "x-api-key: $API_KEY"                # 200 as acme-integration
  curl -i localhost:10000/api/v1/users/bob -H "Authorization: Bearer $ALICE_TOKEN" # 403: only your own record
  curl -i --cacert envoy/certs/ca.crt --cert envoy/certs/client.crt --key envoy/certs/client.key \
       -X POST https://localhost:10444/api/v1/payments -H 'content-type: application/json' -d '{"amount":5,"currency":"EUR"}'
  curl -i "localhost:10000/api/v1/inventory/1?q=1%27%20or%20%271%27%3D%271"      # 403 ERR_THREAT, then banned for 60 s
  curl -s localhost:9901/metrics | grep portcullis_checks_total
  open http://localhost:10000/portal/ in a browser: SAML sign-in at the demo IdP (localhost:8090), then /saml/logout
Ctrl-C stops everything.
MSG
wait
