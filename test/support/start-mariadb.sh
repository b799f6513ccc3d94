#!/usr/bin/env bash
# Ephemeral MariaDB test server: own data dir, unprivileged port, real password auth.
# Not the system service; nothing under /etc or /var/lib is used.
# For the project's tests (test/support/db-servers.ts):
# the password may hold any printable character (tests use distinctive canaries such as `+/=`).
#
# Usage:
#   start-mariadb.sh [DIR] [PORT]            start (idempotent) and print env lines
#   start-mariadb.sh start|fresh [DIR] [PORT] fresh = wipe DIR first
#   start-mariadb.sh stop|status|env|destroy [DIR]
#
# Defaults: DIR=$MARIADB_DIR or /tmp/osiris-mariadb, PORT=$MARIADB_PORT or 13306.
# Other env: MARIADB_PASSWORD (etlpw), MARIADB_DATABASE (etl),
#            MARIADB_BUFFER_POOL (256M), MARIADB_START_TIMEOUT (30 s).
# stdout carries only KEY=VALUE lines (values shell-quoted), everything else goes to stderr:
#   set -a; eval "$(test/support/start-mariadb.sh)"; set +a
# The server is tuned for tests (no doublewrite, log flushed ~1/s, UTC, utf8mb4):
# a crash may lose the last second of writes -- never use it for real data.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # this folder, for make-test-cert.sh

cmd=start
case "${1:-}" in start|stop|status|env|destroy|fresh|restart) cmd=$1; shift ;; esac
DIR=${1:-${MARIADB_DIR:-/tmp/osiris-mariadb}}
REQ_PORT=${2:-${MARIADB_PORT:-}}
PASSWORD=${MARIADB_PASSWORD:-etlpw}
DATABASE=${MARIADB_DATABASE:-etl}
BUFFER_POOL=${MARIADB_BUFFER_POOL:-256M}
TIMEOUT=${MARIADB_START_TIMEOUT:-30}

log() { echo "start-mariadb: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ -n $PASSWORD && $PASSWORD =~ ^[[:print:]]+$ ]] || die "MARIADB_PASSWORD must be non-empty printable text"
[[ $DATABASE =~ ^[A-Za-z0-9_]+$ ]] || die "MARIADB_DATABASE must match [A-Za-z0-9_]+"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
DATA=$DIR/data
PIDFILE=$DIR/mariadbd.pid
PORTFILE=$DIR/port
MARKER=$DIR/.initialized
ERRLOG=$DIR/error.log
SOCK=$DIR/mysqld.sock
# Unix socket paths are limited to 107 bytes.
if (( ${#SOCK} > 100 )); then SOCK=/tmp/osiris-mariadb-$(echo -n "$DIR" | md5sum | cut -c1-12).sock; fi

ensure_binaries() {
  local mdbd
  mdbd=$(command -v mariadbd || true)
  [[ -z $mdbd && -x /usr/sbin/mariadbd ]] && mdbd=/usr/sbin/mariadbd
  if [[ -z $mdbd ]] || ! command -v mariadb-install-db >/dev/null || ! command -v mariadb >/dev/null; then
    [[ $(id -u) == 0 ]] || die "MariaDB binaries missing; run as root (or: apt-get install mariadb-server mariadb-client)"
    log "installing mariadb-server mariadb-client via apt (once)..."
    local made_policy=
    local apt_log="${TMPDIR:-/tmp}/start-mariadb-apt.log"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      # keep apt from starting the system service on port 3306
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
    fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        mariadb-server mariadb-client; } >"$apt_log" 2>&1 \
      || { [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d; die "apt-get failed, see $apt_log"; }
    [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
    rm -f "$apt_log" # kept only when apt fails (the test run checks its temp dir is left empty)
    mdbd=/usr/sbin/mariadbd
  fi
  MARIADBD=$mdbd
}

# pid of our running server, or empty (stale pid files are removed)
server_pid() {
  local pid
  [[ -s $PIDFILE ]] || return 0
  pid=$(<"$PIDFILE")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat /proc/"$pid"/comm 2>/dev/null) == mariadbd ]] &&
     tr '\0' ' ' </proc/"$pid"/cmdline | grep -qF -- " --datadir=$DATA "; then
    echo "$pid"
  else
    rm -f "$PIDFILE"
  fi
}

# alive PID: process exists and is not a zombie (PID 1 may reap exited orphans late)
alive() { local st; st=$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) && [[ -n $st && $st != Z ]]; }

client() { MYSQL_PWD=$PASSWORD mariadb --no-defaults --default-character-set=utf8mb4 --socket="$SOCK" -uroot "$@"; }

# SQL string literal body: backslash and quote escaped
sql_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\'/\'\'}"; }
# percent-encode everything but RFC 3986 unreserved characters
url_encode() {
  local LC_ALL=C s=$1 out= c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    if [[ $c =~ [A-Za-z0-9._~-] ]]; then out+=$c; else out+=$(printf '%%%02X' "'$c"); fi
  done
  printf '%s' "$out"
}
# the marker keeps a digest, never the password itself
pw_digest() { printf '%s' "$PASSWORD" | sha256sum | cut -c1-64; }

print_env() {
  local port; port=$(<"$PORTFILE")
  printf '%s=%q\n' MYSQL_HOST 127.0.0.1 MYSQL_PORT "$port" MYSQL_USER root MYSQL_PASSWORD "$PASSWORD" \
    MYSQL_DATABASE "$DATABASE" MYSQL_SOCKET "$SOCK" \
    MYSQL_URL "mysql://root:$(url_encode "$PASSWORD")@127.0.0.1:$port/$DATABASE" \
    MARIADB_DIR "$DIR" MARIADB_PID "$(server_pid)" MYSQL_SSL_CERT "$DIR/tls/server.crt"
}

do_stop() {   # do_stop [KILL]: KILL = data is about to be discarded, skip the clean shutdown
  local pid i
  pid=$(server_pid)
  if [[ -z $pid ]]; then log "not running ($DIR)"; return 0; fi
  kill -"${1:-TERM}" "$pid"
  for ((i = 0; i < 1500; i++)); do alive "$pid" || break; sleep 0.02; done
  if alive "$pid"; then log "pid $pid ignored SIGTERM for 30 s, sending SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$PIDFILE"
  log "stopped pid $pid ($DIR)"
}

do_start() {
  local pid port t0 i
  t0=$(date +%s%N)
  pid=$(server_pid)
  if [[ -n $pid ]]; then
    port=$(<"$PORTFILE")
    [[ -n $REQ_PORT && $REQ_PORT != "$port" ]] && log "WARNING: already running on port $port (asked for $REQ_PORT)"
    print_env; return 0
  fi
  port=${REQ_PORT:-13306}
  [[ $port =~ ^[0-9]+$ ]] && (( port > 1024 && port < 65536 )) || die "bad port '$port' (use 1025..65535)"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is already in use by another process"; fi
  ensure_binaries
  local asroot=(); [[ $(id -u) == 0 ]] && asroot=(--user=root)   # mariadbd refuses root without --user=root
  if [[ ! -f $MARKER ]]; then
    rm -rf "$DATA"
    mariadb-install-db --no-defaults --datadir="$DATA" "${asroot[@]}" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve >"$DIR/install.log" 2>&1 || { tail -20 "$DIR/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  # TLS with a self-signed certificate for localhost and 127.0.0.1 (the ssl_mode tests verify against it).
  if [[ ! -s $DIR/tls/server.crt ]]; then
    bash "$HERE/make-test-cert.sh" "$DIR/tls" || die "no TLS certificate"
  fi
  rm -f "$SOCK"
  echo "$port" >"$PORTFILE"
  : >"$ERRLOG"
  # --no-defaults must come first: ignore /etc/mysql/*.cnf entirely
  setsid "$MARIADBD" --no-defaults --datadir="$DATA" "${asroot[@]}" \
    --port="$port" --bind-address=127.0.0.1 --socket="$SOCK" --pid-file="$PIDFILE" --log-error="$ERRLOG" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --ssl-cert="$DIR/tls/server.crt" --ssl-key="$DIR/tls/server.key" \
    --default-time-zone=+00:00 --local-infile=1 --max-allowed-packet=256M --max-connections=200 \
    --innodb-buffer-pool-size="$BUFFER_POOL" --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --innodb-buffer-pool-dump-at-shutdown=0 --innodb-buffer-pool-load-at-startup=0 \
    </dev/null >"$DIR/mariadbd.out" 2>&1 9>&- &
  local spid=$!
  for ((i = 0; i < TIMEOUT * 50; i++)); do
    if mariadb-admin --no-defaults --socket="$SOCK" -uroot --connect-timeout=1 ping >/dev/null 2>&1; then break; fi
    alive "$spid" || { tail -20 "$ERRLOG" >&2; die "mariadbd exited during startup (log: $ERRLOG)"; }
    sleep 0.02
  done
  (( i < TIMEOUT * 50 )) || { tail -20 "$ERRLOG" >&2; kill -TERM "$spid"; die "not ready after ${TIMEOUT}s"; }
  for ((i = 0; i < 100; i++)); do [[ -s $PIDFILE ]] && break; sleep 0.02; done
  if [[ ! -f $MARKER ]]; then
    # first start: give root a password (localhost socket + any TCP host), create the default database
    MYSQL_PWD='' mariadb --no-defaults --socket="$SOCK" -uroot <<SQL || die "initial grant setup failed"
DELETE FROM mysql.global_priv WHERE User='root' AND Host<>'localhost';
DELETE FROM mysql.proxies_priv WHERE User='root' AND Host<>'localhost';
FLUSH PRIVILEGES;
ALTER USER 'root'@'localhost' IDENTIFIED BY '$(sql_escape "$PASSWORD")';
CREATE USER 'root'@'%' IDENTIFIED BY '$(sql_escape "$PASSWORD")';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS \`$DATABASE\`;
SQL
    pw_digest >"$MARKER"
  else
    [[ $(<"$MARKER") == "$(pw_digest)" ]] || log "WARNING: $DIR was initialised with another MARIADB_PASSWORD; use 'fresh' to re-init"
    client -e "CREATE DATABASE IF NOT EXISTS \`$DATABASE\`" || die "cannot connect with the root password"
  fi
  log "ready on 127.0.0.1:$port in $(( ($(date +%s%N) - t0) / 1000000 )) ms (dir $DIR)"
  print_env
}

exec 9>"$DIR/.lock"
flock -w 120 9 || die "could not lock $DIR/.lock"

case $cmd in
  start) do_start ;;
  restart) [[ -z $REQ_PORT && -s $PORTFILE ]] && REQ_PORT=$(<"$PORTFILE"); do_stop; do_start ;;
  fresh) do_stop KILL; find "$DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +; do_start ;;
  stop) do_stop ;;
  destroy) do_stop KILL; find "$DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +; rm -f "$DIR/.lock"; rmdir "$DIR" 2>/dev/null || true ;;
  status) if pid=$(server_pid) && [[ -n $pid ]]; then log "running, pid $pid, port $(<"$PORTFILE")"; else log "not running"; exit 3; fi ;;
  env) [[ -n $(server_pid) ]] || die "not running ($DIR)"; print_env ;;
esac
