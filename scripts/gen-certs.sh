#!/usr/bin/env bash
# Makes a throwaway CA, a server certificate (localhost, 127.0.0.1) and a client certificate
# (SPIFFE ID spiffe://portcullis.test/ns/demo/sa/client) for the TLS and mTLS listeners.
#   scripts/gen-certs.sh [DIR]   (default envoy/certs; existing files are kept)
set -euo pipefail
dir="${1:-$(dirname "$0")/../envoy/certs}"
mkdir -p "$dir"; cd "$dir"
[ -f ca.crt ] && [ -f server.crt ] && [ -f client.crt ] && exit 0
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=Portcullis Test CA" 2>/dev/null
mk() { # mk NAME SUBJECT SAN EKU
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 825 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
mk server "/CN=localhost" "DNS:localhost,IP:127.0.0.1" serverAuth
mk client "/CN=demo-client/O=Portcullis Demo" "URI:spiffe://portcullis.test/ns/demo/sa/client" clientAuth
mk other-client "/CN=other-client/O=Elsewhere" "URI:spiffe://elsewhere.test/ns/x/sa/intruder" clientAuth
chmod 600 ./*.key
echo "certificates in $(pwd)"
