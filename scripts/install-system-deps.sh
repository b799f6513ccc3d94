#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing (idempotent, quick when present):
# MariaDB and PostgreSQL servers (tests start their own ephemeral instances) and Chromium (report tests).
# Keeps apt from starting the system services (policy-rc.d), so nothing listens on 3306/5432.
set -euo pipefail
need=()
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server mariadb-client)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql postgresql-client)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
((${#need[@]} == 0)) && exit 0
if [[ $(id -u) != 0 ]]; then
  echo "install-system-deps: missing ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
made_policy=
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
echo "install-system-deps: apt-get install ${need[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
[[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
exit 0
