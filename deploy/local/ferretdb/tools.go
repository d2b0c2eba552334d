//go:build tools

// Package tools exists only so that go.mod keeps requiring FerretDB and go.sum pins
// the hash of its module (and of its dependency graph). deploy/local/mongo.sh runs
// `go mod download` here, copies the verified module, adds build/version/version.txt
// and builds cmd/ferretdb from that copy. Nothing in this folder is compiled.
package tools

import _ "github.com/FerretDB/FerretDB/cmd/ferretdb"
