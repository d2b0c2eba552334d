#!/usr/bin/env bash
# MongoDB-compatible server without Docker: FerretDB 1.x with its SQLite backend.
#
#   deploy/local/mongo.sh start|stop|status|restart|logs
#
# FerretDB is built from the Go module proxy (pinned by deploy/local/ferretdb/go.mod
# and go.sum) into .cache/; SQLite files, logs and the pid file live in .local/mongo/.
# See deploy/local/README.md.
set -euo pipefail

LLO_COMPONENT=mongo
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOST=127.0.0.1
PORT="${LLO_MONGO_PORT:-27018}"
START_TIMEOUT="${LLO_MONGO_START_TIMEOUT:-60}"
# FerretDB's HTTP debug handler (metrics, /debug/readyz); "-" turns it off.
DEBUG_ADDR="${LLO_MONGO_DEBUG_ADDR:--}"
LOG_LEVEL="${LLO_MONGO_LOG_LEVEL:-warn}"

WRAPPER="$LLO_LOCAL_SCRIPTS/ferretdb"
FERRETDB_VERSION="$(grep -Eo 'github.com/FerretDB/FerretDB v[0-9][0-9A-Za-z.+-]*' "$WRAPPER/go.mod" | head -n1 | cut -d' ' -f2)"
[[ -n "$FERRETDB_VERSION" ]] || die "cannot read the FerretDB version from $WRAPPER/go.mod"
# Patches applied to FerretDB's source before the build (see deploy/local/README.md).
PATCHES=("$WRAPPER"/*.patch)
SUM_HASH="$(cat "$WRAPPER/go.mod" "$WRAPPER/go.sum" "${PATCHES[@]}" | sha256sum | cut -c1-10)"
BUILD_DIR="$LLO_CACHE/ferretdb/$FERRETDB_VERSION-$SUM_HASH"
BIN="$BUILD_DIR/ferretdb"

HOME_DIR="$LLO_STATE/mongo"
DATA_DIR="$HOME_DIR/sqlite"
LOG_DIR="$HOME_DIR/logs"
PIDFILE="$HOME_DIR/ferretdb.pid"
LOGFILE="$LOG_DIR/ferretdb.log"
MARKER="--handler=sqlite"

probe() {
  "$LLO_PYTHON" "$LLO_LOCAL_SCRIPTS/probe.py" mongo "$HOST" "$PORT" >/dev/null 2>&1
}

ready_line() {
  echo "mongo ready at mongodb://$HOST:$PORT (ferretdb ${FERRETDB_VERSION#v} sqlite)"
}

go_env() {
  # Everything Go downloads or compiles stays in the project cache. Integrity comes
  # from the committed go.sum files (the wrapper's pins FerretDB's module zip, FerretDB's
  # own pins its dependencies); -mod=readonly refuses anything not listed there, so the
  # checksum database (not reachable from every machine) is never needed.
  export GOMODCACHE="$LLO_CACHE/go/mod"
  export GOCACHE="$LLO_CACHE/go/build"
  export GOFLAGS="-modcacherw -buildvcs=false -mod=readonly"
  export GOSUMDB=off
  export GOTOOLCHAIN=local
  export GOWORK=off
  export CGO_ENABLED=0
}

build() {
  [[ -x "$BIN" ]] && return 0
  need go "Go 1.22+ (https://go.dev/dl or apt-get install golang)"
  local started=$SECONDS
  log "building FerretDB $FERRETDB_VERSION (SQLite backend) with Go into $BUILD_DIR (first run only, 1-3 min) ..."
  go_env
  local dir
  # `go install github.com/FerretDB/FerretDB/cmd/ferretdb@VERSION` is not usable: the
  # proxy refuses the module's version list (needed for its deprecation check), and a
  # binary built straight from the module panics at start because the module zip lacks
  # build/version/version.txt. So: download the pinned module through the wrapper
  # module, copy it, add version.txt, and build its command with its own go.sum.
  dir="$(cd "$WRAPPER" && go mod download -json github.com/FerretDB/FerretDB \
    | "$LLO_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error","no Dir")))')" \
    || die "go could not download github.com/FerretDB/FerretDB $FERRETDB_VERSION"
  local src="$BUILD_DIR.src.$$"
  rm -rf "$src"
  mkdir -p "$(dirname "$src")"
  cp -R "$dir" "$src"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  local patch
  for patch in "${PATCHES[@]}"; do
    log "applying $(basename "$patch")"
    (cd "$src" && GIT_CEILING_DIRECTORIES="$(dirname "$src")" git apply -p1 "$patch") || { rm -rf "$src"; die "patch $patch does not apply"; }
  done
  log "compiling (module downloads and compile cache in $LLO_CACHE/go) ..."
  if ! (cd "$src" && go build -trimpath -ldflags="-s -w" -o "$src/ferretdb.bin" ./cmd/ferretdb) >&2; then
    rm -rf "$src"
    die "building FerretDB failed (go output above)"
  fi
  mkdir -p "$BUILD_DIR"
  mv "$src/ferretdb.bin" "$BIN"
  rm -rf "$src"
  if [[ "${LLO_KEEP_BUILD_CACHES:-0}" != 1 ]]; then
    # ~0.9 GB of module sources and compiled objects, only needed to build again
    # (i.e. after a version bump): drop them, keep the binary.
    rm -rf "$GOMODCACHE" "$GOCACHE"
    rmdir "$LLO_CACHE/go" 2>/dev/null || true
  fi
  log "built $("$BIN" --version | head -n1) in $((SECONDS - started))s"
}

cmd_start() {
  take_lock mongo
  local pid
  if probe; then
    ready_line
    return 0
  fi
  if ! pid="$(live_pid "$PIDFILE" "$MARKER")"; then
    if port_open "$HOST" "$PORT"; then
      die "port $HOST:$PORT is taken by another process that does not answer a MongoDB ping (set LLO_MONGO_PORT)"
    fi
    need "$LLO_PYTHON" "Python 3 for the readiness probe"
    build
    mkdir -p "$DATA_DIR" "$LOG_DIR" "$HOME_DIR/state"
    [[ -f "$LOGFILE" ]] && mv -f "$LOGFILE" "$LOGFILE.prev"  # previous run's log
    log "starting FerretDB on $HOST:$PORT, SQLite files in $DATA_DIR, log $LOGFILE"
    # synchronous(normal) in WAL mode: a commit is durable at the next checkpoint, not fsynced
    # one by one, like MongoDB's default (journal flushed every 100 ms, not per write); a crash of
    # the process loses nothing, a power cut the last moments. 30% faster per document write here.
    nohup setsid "$BIN" \
      --handler=sqlite \
      --sqlite-url="file:$DATA_DIR/?_pragma=synchronous(normal)" \
      --listen-addr="$HOST:$PORT" \
      --debug-addr="$DEBUG_ADDR" \
      --state-dir="$HOME_DIR/state" \
      --telemetry=disable \
      --log-level="$LOG_LEVEL" \
      --log-format=text \
      --no-log-uuid \
      </dev/null >>"$LOGFILE" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"
  else
    log "FerretDB process $pid is running but not answering yet; waiting"
  fi

  local deadline=$((SECONDS + START_TIMEOUT))
  until probe; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      show_logs "$LOGFILE"
      die "FerretDB exited during start-up (log above: $LOGFILE)"
    fi
    if (( SECONDS >= deadline )); then
      show_logs "$LOGFILE"
      stop_pid "$PIDFILE" "$MARKER" mongo >/dev/null
      die "FerretDB did not answer a ping on $HOST:$PORT within ${START_TIMEOUT}s (stopped it; log above)"
    fi
    sleep 0.2
  done
  ready_line
}

case "${1:-}" in
  start) cmd_start ;;
  stop) take_lock mongo; stop_pid "$PIDFILE" "$MARKER" mongo ;;
  status) report_status mongo "mongodb://$HOST:$PORT" ;;
  restart) "$0" stop && "$0" start ;;
  logs) show_logs "$LOGFILE" ;;
  build) build ;;
  *) echo "usage: $0 {start|stop|status|restart|logs|build}" >&2; exit 2 ;;
esac
