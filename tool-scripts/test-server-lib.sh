# test-server-lib.sh — shared by pg-test-server and mariadb-test-server.
#
# Usage (sourced, never run):  . "$(dirname "$0")/test-server-lib.sh"
#
# HOW IT WORKS
#   Database servers refuse to run as root (PostgreSQL) or should not
#   (MariaDB), and CI runs as root.  So when we are root every server command
#   goes through `as_user`, which runs it as the unprivileged system user
#   dataflow-test (created on first use); otherwise it runs as ourselves.
#   The server directory is owned by that user; everything else (ports,
#   readiness) is plain bash, so the scripts need nothing beyond the server
#   packages.

TS_USER=dataflow-test

ts_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# ts_setup DIR CREATE — sets TS_DIR (absolute) and TS_RUNAS ("" when not
# root).  With CREATE=0 a missing DIR returns 1 (nothing to stop or show).
ts_setup() {
  [ -n "${1:-}" ] || ts_die "missing DIR (usage: $(basename "$0") start|stop|env|status DIR)"
  if [ ! -d "$1" ]; then
    [ "$2" = 1 ] || return 1
    mkdir -p "$1" || ts_die "cannot create '$1'"
  fi
  TS_DIR=$(cd "$1" && pwd -P)
  TS_RUNAS=
  if [ "$(id -u)" = 0 ]; then
    TS_RUNAS=$TS_USER
    if ! id -u "$TS_USER" >/dev/null 2>&1; then
      useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$TS_USER" \
        || ts_die "cannot create system user $TS_USER"
    fi
    chown "$TS_USER": "$TS_DIR"
    # The server user must reach DIR: every parent needs o+x (not /root).
    as_user test -w "$TS_DIR" \
      || ts_die "user $TS_USER cannot write '$TS_DIR' (a parent directory is not searchable); use a directory under /tmp"
  fi
  # Servers and their tools may chdir to the cwd; make it one they can read.
  cd "$TS_DIR"
}

# as_user CMD ARGS... — run CMD as the server user.
as_user() {
  if [ -n "$TS_RUNAS" ]; then
    runuser -u "$TS_RUNAS" -- "$@"
  else
    "$@"
  fi
}

# ts_port_busy PORT — true when something listens on 127.0.0.1:PORT.
ts_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ts_free_port [PREFERRED] — prints a port nobody listens on; PREFERRED
# (the port of a previous start) is kept when it is still free, so that URLs
# handed out earlier stay valid.
ts_free_port() {
  local p=${1:-}
  if [ -n "$p" ] && ! ts_port_busy "$p"; then echo "$p"; return; fi
  for _ in $(seq 1 100); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! ts_port_busy "$p"; then echo "$p"; return; fi
  done
  ts_die "no free TCP port found"
}

# ts_pid_alive PID — true when PID is a live process (not a zombie).
ts_pid_alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null \
    && [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]
}

# ts_kill_pid PID — TERM, wait up to 20 s, then KILL.
ts_kill_pid() {
  local pid=$1 i
  ts_pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  kill -CONT "$pid" 2>/dev/null   # a stopped process acts on TERM only once resumed
  for i in $(seq 1 200); do
    ts_pid_alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  sleep 0.2
}

ts_now() { date +%s.%N; }
ts_elapsed() { awk -v a="$1" -v b="$(ts_now)" 'BEGIN { printf "%.2f", b - a }'; }
