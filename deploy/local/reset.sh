#!/usr/bin/env bash
# Stop the local Kafka and FerretDB and delete their runtime data.
#   deploy/local/reset.sh           stop both, delete .local/kafka and .local/mongo
#                                   (topics, offsets, databases, logs)
#   deploy/local/reset.sh --cache   also delete their entries in .cache/ (jars, FerretDB
#                                   binary, Maven/Go caches); other tools' entries stay
set -euo pipefail
LLO_COMPONENT=reset
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  ""|--cache) ;;
  *) echo "usage: $0 [--cache]" >&2; exit 2 ;;
esac

"$LLO_LOCAL_SCRIPTS/kafka.sh" stop
"$LLO_LOCAL_SCRIPTS/mongo.sh" stop
rm -rf "$LLO_STATE/kafka" "$LLO_STATE/mongo" "$LLO_STATE/kafka.lock" "$LLO_STATE/mongo.lock"
rmdir "$LLO_STATE" 2>/dev/null || true
echo "deleted local Kafka and FerretDB data in $LLO_STATE"
if [[ "${1:-}" == "--cache" ]]; then
  rm -rf "$LLO_CACHE/kafka" "$LLO_CACHE/ferretdb" "$LLO_CACHE/m2" "$LLO_CACHE/go"
  rmdir "$LLO_CACHE" 2>/dev/null || true
  echo "deleted Kafka and FerretDB downloads/builds in $LLO_CACHE"
fi
