// Package migrations holds the versioned PostgreSQL migrations, generated
// from the ent schema by `make migration NAME=...` in goose's format and
// embedded in the binary.
package migrations

import "embed"

// FS holds the migration files that goose applies (internal/store).
// atlas.sum is not embedded: only make migration reads it.
//
//go:embed *.sql
var FS embed.FS
