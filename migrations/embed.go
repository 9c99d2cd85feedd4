// Package migrations holds the versioned PostgreSQL migrations, generated
// from the ent schema by `make migration NAME=...` and embedded in the binary.
package migrations

import "embed"

// FS holds the migration files and atlas.sum.
//
//go:embed *.sql atlas.sum
var FS embed.FS
