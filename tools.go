//go:build tools

// Package tools pins the code generators so that codegen and runtime use the
// same versions (see STACK-NOTES.md).
package tools

import (
	_ "entgo.io/contrib/entgql"
	_ "entgo.io/ent/cmd/ent"
	_ "github.com/99designs/gqlgen"
)
