#!/usr/bin/env bash
# The local stack without Docker: Kafka + FerretDB (kafka.sh, mongo.sh), each service as its
# own process on Kafka and FerretDB, and a gateway on one address.
#
#   deploy/local/stack.sh up|down|status
#
# Ports: gateway ${LLO_STACK_PORT:-8000}; catalogue 8101, matching 8102, recruitment 8103,
# billing 8104 (LLO_STACK_<SERVICE>_PORT each). Logs and pid files in .local/stack/; the dev
# signing and sealing keys in .local/ too (LLO_LOCAL_DIR moves all of it: a test's own stack).
# LLO_STACK_ENVIRONMENT (default demo) decides whether the services seed the demo region.
# LLO_STACK_KAFKA and LLO_STACK_MONGO_URL, when set, are a broker and a store that run already
# (a test's shared ones): then up/down/status leave Kafka and FerretDB alone; LLO_KAFKA_NAMESPACE
# and LLO_<SERVICE>_MONGO_DATABASE keep such a stack's topics and databases apart. Each
# service talks to FerretDB over ONE connection: FerretDB 1.24 loses concurrent updates of one
# document (see README.md). LLO_STACK_SERVICES (say "catalogue recruitment") starts, stops and
# reports only those services and a gateway in front of them: a benchmark of one flow.
set -euo pipefail

LLO_COMPONENT=stack
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_SERVICES=(catalogue matching recruitment billing)
read -r -a SERVICES <<<"${LLO_STACK_SERVICES:-${ALL_SERVICES[*]}}"
declare -A PORTS=(
  [catalogue]="${LLO_STACK_CATALOGUE_PORT:-8101}"
  [matching]="${LLO_STACK_MATCHING_PORT:-8102}"
  [recruitment]="${LLO_STACK_RECRUITMENT_PORT:-8103}"
  [billing]="${LLO_STACK_BILLING_PORT:-8104}"
)
for service in "${SERVICES[@]}"; do
  [[ -n "${PORTS[$service]:-}" ]] || die "LLO_STACK_SERVICES: unknown service '$service' (${ALL_SERVICES[*]})"
done
GATEWAY_PORT="${LLO_STACK_PORT:-8000}"
HOME_DIR="$LLO_STATE/stack"
# The four processes start at once and each makes a missing key (llo_shared.files writes it
# atomically: the first writer wins, nobody reads half a PEM). Absolute paths: the processes'
# working folder does not matter, and `llo token` with the same variables signs for this stack.
export LLO_DEV_KEY_FILE="${LLO_DEV_KEY_FILE:-$LLO_STATE/dev-signing-key.pem}"
export LLO_SEALING_KEY_FILE="${LLO_SEALING_KEY_FILE:-$LLO_STATE/dev-sealing-key.pem}"
LLO="$LLO_ROOT/.venv/bin/llo"
KAFKA_BOOTSTRAP="${LLO_STACK_KAFKA:-127.0.0.1:${LLO_KAFKA_PORT:-19092}}"
MONGO_URL="${LLO_STACK_MONGO_URL:-mongodb://127.0.0.1:${LLO_MONGO_PORT:-27018}/?maxPoolSize=1}"

external_infra() {  # a broker and a store given by the caller, started and stopped by someone else
  [[ -n "${LLO_STACK_KAFKA:-}" && -n "${LLO_STACK_MONGO_URL:-}" ]]
}

wait_http() {  # wait_http URL NAME LOG
  local url="$1" name="$2" logfile="$3" tries=0
  until "$LLO_PYTHON" -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url" \
      >/dev/null 2>&1; do
    tries=$((tries + 1))
    if (( tries > ${LLO_STACK_START_TIMEOUT:-120} * 2 )); then
      show_logs "$logfile"
      die "$name did not become ready at $url"
    fi
    sleep 0.5
  done
}

start_process() {  # start_process NAME MARKER LOG -- COMMAND...
  local name="$1" marker="$2" logfile="$3"
  shift 4
  if live_pid "$HOME_DIR/$name.pid" "$marker" >/dev/null; then
    return 0
  fi
  # fd 9 is the stack lock: a service that kept it would block every later `up` (a restart).
  nohup setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  echo $! >"$HOME_DIR/$name.pid"
}

cmd_up() {
  [[ -x "$LLO" ]] || die "no .venv yet: run 'make stack' (it syncs the environment first)"
  take_lock stack
  mkdir -p "$HOME_DIR"
  local kafka mongo
  if external_infra; then
    kafka="kafka (already running) at $KAFKA_BOOTSTRAP"
    mongo="mongo (already running) at $MONGO_URL"
  else
    kafka="$(bash "$LLO_LOCAL_SCRIPTS/kafka.sh" start)"
    mongo="$(bash "$LLO_LOCAL_SCRIPTS/mongo.sh" start)"
  fi
  echo "$kafka"
  echo "$mongo"
  local upstreams=() service port
  for service in "${SERVICES[@]}"; do
    port="${PORTS[$service]}"
    LLO_STORAGE=mongo LLO_BUS=kafka LLO_ENVIRONMENT="${LLO_STACK_ENVIRONMENT:-demo}" \
    LLO_MONGO_URL="$MONGO_URL" LLO_KAFKA_BOOTSTRAP="$KAFKA_BOOTSTRAP" \
    LLO_PUBLIC_URL="${LLO_PUBLIC_URL:-http://127.0.0.1:$GATEWAY_PORT}" \
      start_process "$service" "serve $service" "$HOME_DIR/$service.log" -- \
      "$LLO" serve "$service" --port "$port"
    upstreams+=(--upstream "$service=http://127.0.0.1:$port")
  done
  start_process gateway "gateway" "$HOME_DIR/gateway.log" -- "$LLO" gateway --port "$GATEWAY_PORT" "${upstreams[@]}"
  for service in "${SERVICES[@]}"; do
    wait_http "http://127.0.0.1:${PORTS[$service]}/$service/readyz" "$service" "$HOME_DIR/$service.log"
    echo "$service ready at http://127.0.0.1:${PORTS[$service]}/$service/ (log $HOME_DIR/$service.log)"
  done
  wait_http "http://127.0.0.1:$GATEWAY_PORT/catalogue/healthz" gateway "$HOME_DIR/gateway.log"
  echo "stack ready: open http://127.0.0.1:$GATEWAY_PORT/catalogue/  (stop with: make stack-down)"
}

cmd_down() {
  local name
  for name in gateway "${SERVICES[@]}"; do
    stop_pid "$HOME_DIR/$name.pid" "$([[ $name == gateway ]] && echo gateway || echo "serve $name")" "$name"
  done
  external_infra && return 0
  bash "$LLO_LOCAL_SCRIPTS/kafka.sh" stop
  bash "$LLO_LOCAL_SCRIPTS/mongo.sh" stop
}

cmd_status() {
  local name ok=0
  for name in gateway "${SERVICES[@]}"; do
    if pid="$(live_pid "$HOME_DIR/$name.pid" "$([[ $name == gateway ]] && echo gateway || echo "serve $name")")"; then
      echo "$name running (pid $pid)"
    else
      echo "$name not running"; ok=1
    fi
  done
  if ! external_infra; then
    bash "$LLO_LOCAL_SCRIPTS/kafka.sh" status || ok=1
    bash "$LLO_LOCAL_SCRIPTS/mongo.sh" status || ok=1
  fi
  return $ok
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
