# shellcheck shell=bash
# Shared helpers for deploy/local/*.sh (sourced, not run).

LLO_LOCAL_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LLO_ROOT="$(cd "$LLO_LOCAL_SCRIPTS/../.." && pwd)"
LLO_CACHE="${LLO_CACHE_DIR:-$LLO_ROOT/.cache}"   # downloads and builds, reused
LLO_STATE="${LLO_LOCAL_DIR:-$LLO_ROOT/.local}"   # runtime data, logs, pid files
LLO_PYTHON="${LLO_PYTHON:-python3}"

log() { printf '[%s] %s\n' "${LLO_COMPONENT:-local}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH${2:+ ($2)}"
}

# Serialise start/stop of one component between concurrent callers (e.g. parallel
# test sessions). The lock is released when the script exits.
take_lock() {
  local name="$1"
  mkdir -p "$LLO_STATE"
  exec 9>"$LLO_STATE/$name.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w "${LLO_LOCK_TIMEOUT:-900}" 9 || die "timed out waiting for $LLO_STATE/$name.lock"
  fi
}

# Pid from a pid file if that process is alive and its command line contains $2.
live_pid() {
  local pidfile="$1" marker="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  echo "$pid"
}

port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# stop_pid PIDFILE MARKER NAME: SIGTERM, wait, then SIGKILL. Idempotent.
stop_pid() {
  local pidfile="$1" marker="$2" name="$3" pid waited=0
  local timeout="${LLO_STOP_TIMEOUT:-30}"
  if ! pid="$(live_pid "$pidfile" "$marker")"; then
    rm -f "$pidfile"
    echo "$name not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= timeout * 10 )); then
      log "$name (pid $pid) still running after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$pidfile"
  echo "$name stopped"
}

# show_logs FILE...: last lines of each existing file, to stderr.
show_logs() {
  local f shown=0
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n "${LLO_LOG_LINES:-40}" "$f" >&2
    shown=1
  done
  (( shown )) || printf -- '----- no log output yet in: %s -----\n' "$*" >&2
}

# report_status NAME ADDRESS: exit 0 only if the server answers (uses the caller's probe,
# PIDFILE, MARKER, HOST and PORT).
report_status() {
  local name="$1" address="$2" pid
  if probe; then
    pid="$(live_pid "$PIDFILE" "$MARKER" || echo "not ours")"
    echo "$name answering at $address (pid $pid)"
    return 0
  fi
  if pid="$(live_pid "$PIDFILE" "$MARKER")"; then
    echo "$name process $pid running but not answering at $HOST:$PORT"
  else
    echo "$name not running"
  fi
  return 1
}
