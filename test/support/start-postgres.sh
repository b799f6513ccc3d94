#!/usr/bin/env bash
# Ephemeral PostgreSQL test server: own data dir, unprivileged port, real password auth over TCP.
# Not the system cluster; nothing under /etc/postgresql or /var/lib/postgresql is used.
# For the project's tests (test/support/db-servers.ts):
# the password may hold any printable character (tests use distinctive canaries such as `#&"`).
#
# Usage:
#   start-postgres.sh [DIR] [PORT]            start (idempotent) and print env lines
#   start-postgres.sh start|fresh [DIR] [PORT] fresh = wipe DIR first
#   start-postgres.sh stop|status|env|destroy [DIR]
#
# Defaults: DIR=$POSTGRES_DIR or /tmp/osiris-postgres, PORT=$POSTGRES_PORT or 15432.
# Other env: POSTGRES_PASSWORD (etlpw), POSTGRES_DATABASE (etl), POSTGRES_START_TIMEOUT (30 s),
#            POSTGRES_OS_USER (OS account the server runs as when invoked as root; default postgres).
# stdout carries only KEY=VALUE lines (values shell-quoted), everything else goes to stderr:
#   set -a; eval "$(test/support/start-postgres.sh)"; set +a
# TCP (127.0.0.1) needs the password (scram-sha-256); the Unix socket in DIR is trust.
# Tuned for tests: fsync/synchronous_commit/full_page_writes off, UTC -- never use it for real data.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # this folder, for make-test-cert.sh

cmd=start
case "${1:-}" in start|stop|status|env|destroy|fresh|restart) cmd=$1; shift ;; esac
DIR=${1:-${POSTGRES_DIR:-/tmp/osiris-postgres}}
REQ_PORT=${2:-${POSTGRES_PORT:-}}
PASSWORD=${POSTGRES_PASSWORD:-etlpw}
DATABASE=${POSTGRES_DATABASE:-etl}
TIMEOUT=${POSTGRES_START_TIMEOUT:-30}
OS_USER=${POSTGRES_OS_USER:-postgres}

log() { echo "start-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ -n $PASSWORD && $PASSWORD =~ ^[[:print:]]+$ ]] || die "POSTGRES_PASSWORD must be non-empty printable text"
[[ $DATABASE =~ ^[a-z0-9_]+$ ]] || die "POSTGRES_DATABASE must match [a-z0-9_]+"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
DATA=$DIR/data
PORTFILE=$DIR/port
MARKER=$DIR/.initialized
LOGFILE=$DIR/postgres.log
SOCKDIR=$DIR
# Unix socket paths are limited to 107 bytes (".s.PGSQL.NNNNN" is appended).
if (( ${#SOCKDIR} > 80 )); then SOCKDIR=/tmp/osiris-pg-$(echo -n "$DIR" | md5sum | cut -c1-12); mkdir -p "$SOCKDIR"; fi

# run a command as the server's OS user: postgres/initdb refuse to run as root
if [[ $(id -u) == 0 ]]; then
  AS=(setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups --)
else
  AS=()
fi

ensure_binaries() {
  PGBIN=
  local c
  for c in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr); do
    [[ -x $c/postgres && -x $c/initdb ]] && { PGBIN=$c; break; }
  done
  if [[ -z $PGBIN || ! -x $PGBIN/psql ]]; then
    [[ $(id -u) == 0 ]] || die "PostgreSQL binaries missing; run as root (or: apt-get install postgresql postgresql-client)"
    log "installing postgresql postgresql-client via apt (once)..."
    local made_policy=
    local apt_log="${TMPDIR:-/tmp}/start-postgres-apt.log"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      # keep apt from starting the system cluster on port 5432
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
    fi
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql postgresql-client; } >"$apt_log" 2>&1 \
      || { [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d; die "apt-get failed, see $apt_log"; }
    [[ -n $made_policy ]] && rm -f /usr/sbin/policy-rc.d
    rm -f "$apt_log" # kept only when apt fails (the test run checks its temp dir is left empty)
    ensure_binaries; return
  fi
  if [[ $(id -u) == 0 ]] && ! id -u "$OS_USER" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$OS_USER"
  fi
}

# pid of our running postmaster, or empty
server_pid() {
  local pid st
  [[ -s $DATA/postmaster.pid ]] || return 0
  pid=$(head -1 "$DATA/postmaster.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  st=$(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null) || return 0
  [[ -n $st && $st != Z && $(cat /proc/"$pid"/comm 2>/dev/null) == postgres ]] || return 0
  tr '\0' ' ' </proc/"$pid"/cmdline | grep -qF -- " -D $DATA " && echo "$pid"
  return 0
}

# After a crash (postmaster SIGKILLed), postmaster.pid stays behind and its pid may linger as a
# zombie until PID 1 reaps it, which makes postgres refuse to start. Every backend's cwd is the data
# dir, so once no live process sits there the lock file is stale and can go.
clear_stale_lock() {
  [[ -f $DATA/postmaster.pid && -z $(server_pid) ]] || return 0
  local i p busy
  for ((i = 0; i < 500; i++)); do
    busy=
    for p in /proc/[0-9]*; do [[ $(readlink "$p/cwd" 2>/dev/null) == "$DATA" ]] && { busy=1; break; }; done
    [[ -z $busy ]] && break
    sleep 0.02
  done
  [[ -z $busy ]] || die "stale postmaster.pid but processes still run in $DATA"
  log "removing stale $DATA/postmaster.pid (server had crashed)"
  rm -f "$DATA/postmaster.pid"
}

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
  printf '%s=%q\n' PGHOST 127.0.0.1 PGPORT "$port" PGUSER postgres PGPASSWORD "$PASSWORD" PGDATABASE "$DATABASE" \
    PG_SOCKET_DIR "$SOCKDIR" POSTGRES_URL "postgres://postgres:$(url_encode "$PASSWORD")@127.0.0.1:$port/$DATABASE" \
    POSTGRES_DIR "$DIR" POSTGRES_PID "$(server_pid)" PG_SSL_CERT "$DATA/server.crt"
}

do_stop() {   # do_stop [KILL]: KILL = data is about to be discarded, skip the clean shutdown
  local pid i
  pid=$(server_pid)
  if [[ -z $pid ]]; then log "not running ($DIR)"; return 0; fi
  if [[ ${1:-} == KILL ]]; then kill -QUIT "$pid"; else kill -INT "$pid"; fi   # INT = fast, QUIT = immediate shutdown
  for ((i = 0; i < 1500; i++)); do [[ -n $(server_pid) ]] || break; sleep 0.02; done
  if [[ -n $(server_pid) ]]; then log "pid $pid still up after 30 s, sending SIGQUIT"; kill -QUIT "$pid"; sleep 1; fi
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
  port=${REQ_PORT:-15432}
  [[ $port =~ ^[0-9]+$ ]] && (( port > 1024 && port < 65536 )) || die "bad port '$port' (use 1025..65535)"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is already in use by another process"; fi
  ensure_binaries
  if [[ $(id -u) == 0 ]]; then
    chown "$OS_USER:" "$DIR" "$SOCKDIR"
    "${AS[@]}" test -w "$DIR" -a -x "$DIR" || die "user $OS_USER cannot write $DIR (a parent dir is not world-searchable?)"
  fi
  if [[ ! -f $MARKER ]]; then
    rm -rf "$DATA"
    local pwfile=$DIR/.pwfile
    ( umask 077; printf '%s\n' "$PASSWORD" >"$pwfile" ); [[ $(id -u) == 0 ]] && chown "$OS_USER" "$pwfile"
    "${AS[@]}" "$PGBIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$DIR/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; tail -20 "$DIR/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
    # TLS with a self-signed certificate for localhost and 127.0.0.1 (the sslmode tests verify against it).
    bash "$HERE/make-test-cert.sh" "$DATA" || die "no TLS certificate"
    if [[ $(id -u) == 0 ]]; then chown "$OS_USER:" "$DATA/server.key" "$DATA/server.crt"; fi
    cat >>"$DATA/postgresql.conf" <<EOF

# --- ephemeral test server (start-postgres.sh) ---
listen_addresses = '127.0.0.1'
ssl = on
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
max_connections = 100
shared_buffers = 128MB
max_wal_size = 2GB
EOF
  fi
  clear_stale_lock
  rm -f "$SOCKDIR/.s.PGSQL.$port" "$SOCKDIR/.s.PGSQL.$port.lock"
  echo "$port" >"$PORTFILE"
  # setsid: own session, immune to the caller's Ctrl-C; fd 9 (our lock) must not leak into the server
  "${AS[@]}" setsid "$PGBIN/postgres" -D "$DATA" -p "$port" -k "$SOCKDIR" \
    </dev/null >>"$LOGFILE" 2>&1 9>&- &
  local spid=$!
  for ((i = 0; i < TIMEOUT * 50; i++)); do
    if "$PGBIN/pg_isready" -q -h "$SOCKDIR" -p "$port" -U postgres -d postgres; then break; fi
    [[ -e /proc/$spid && $(awk '{print $3}' /proc/$spid/stat) != Z ]] || { tail -20 "$LOGFILE" >&2; die "postgres exited during startup (log: $LOGFILE)"; }
    sleep 0.02
  done
  (( i < TIMEOUT * 50 )) || { tail -20 "$LOGFILE" >&2; kill -INT "$spid"; die "not ready after ${TIMEOUT}s"; }
  if [[ ! -f $MARKER ]]; then pw_digest >"$MARKER"
  elif [[ $(<"$MARKER") != "$(pw_digest)" ]]; then log "WARNING: $DIR was initialised with another POSTGRES_PASSWORD; use 'fresh' to re-init"; fi
  if [[ -z $("$PGBIN/psql" -X -h "$SOCKDIR" -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DATABASE'") ]]; then
    "$PGBIN/psql" -X -q -h "$SOCKDIR" -p "$port" -U postgres -d postgres -c "CREATE DATABASE \"$DATABASE\"" >&2 || die "CREATE DATABASE failed"
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
  status) pid=$(server_pid); if [[ -n $pid ]]; then log "running, pid $pid, port $(<"$PORTFILE")"; else log "not running"; exit 3; fi ;;
  env) [[ -n $(server_pid) ]] || die "not running ($DIR)"; print_env ;;
esac
