package scalars

import (
	"encoding/json"
	"io"

	"github.com/99designs/gqlgen/graphql"

	"github.com/phystack/managed-tenants-api/internal/apperr"
)

// MarshalJSON writes a JSON object (an audit event's before/after values)
// as a GraphQL JSON value; nil is null.
func MarshalJSON(v map[string]any) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Values come from encoding/json itself (stored JSON columns): not reached.
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) { _, _ = w.Write(b) })
}

// UnmarshalJSON accepts a JSON object given as input.
func UnmarshalJSON(v any) (map[string]any, error) {
	switch m := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return m, nil
	}
	return nil, apperr.New(apperr.BadUserInput, "a JSON input must be an object")
}
