#!/usr/bin/env bash
# kustomize, built once from its Go module into .cache/tools (no binary downloads here), then run:
#   bash deploy/k8s/kustomize.sh build deploy/k8s/overlays/production
set -euo pipefail
KUSTOMIZE_VERSION=v5.7.1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN_DIR="$ROOT/.cache/tools/kustomize-$KUSTOMIZE_VERSION"
if [[ ! -x "$BIN_DIR/kustomize" ]]; then
  command -v go >/dev/null || { echo "kustomize.sh: needs Go (go install builds kustomize)" >&2; exit 1; }
  echo "building kustomize $KUSTOMIZE_VERSION into $BIN_DIR (once)" >&2
  staging="$BIN_DIR.$$"
  mkdir -p "$staging"
  GOBIN="$staging" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
  mv -T "$staging" "$BIN_DIR" 2>/dev/null || rm -rf "$staging"  # another run may have won the race
fi
exec "$BIN_DIR/kustomize" "$@"
