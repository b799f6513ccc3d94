#!/usr/bin/env bash
# make-test-cert.sh DIR: a self-signed TLS certificate for localhost and 127.0.0.1 in DIR/server.crt and
# DIR/server.key (key mode 600), for the ephemeral test servers; the TLS tests trust it as their CA.
set -euo pipefail
dir=${1:?usage: make-test-cert.sh DIR}
command -v openssl >/dev/null || { echo "openssl is needed for the test servers' TLS certificate (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/server.key" -out "$dir/server.crt" >"$dir/openssl.log" 2>&1; then
  cat "$dir/openssl.log" >&2
  echo "openssl could not make the server certificate" >&2
  exit 1
fi
rm -f "$dir/openssl.log"
chmod 600 "$dir/server.key"
chmod 644 "$dir/server.crt"
