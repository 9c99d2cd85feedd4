// Package jsontext holds Object, a JSON object column that reaches the
// database driver as text.
//
// ent's field.JSON hands the driver json.RawMessage, a []byte, and lib/pq
// with binary_parameters (on by default, internal/store) sends every []byte
// in binary format: right for bytea, refused for jsonb ("unsupported jsonb
// version number"). A string is always sent as text, which PostgreSQL reads
// as jsonb and SQLite stores as TEXT.
package jsontext

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
)

// Object is a JSON object; nil is SQL NULL.
type Object map[string]any

// Value encodes o as a JSON string (nil: NULL).
func (o Object) Value() (driver.Value, error) {
	if o == nil {
		return nil, nil
	}
	b, err := json.Marshal(map[string]any(o))
	if err != nil {
		return nil, fmt.Errorf("jsontext: %w", err)
	}
	return string(b), nil
}

// Scan decodes a JSON object read as text or bytes (NULL: nil).
func (o *Object) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*o = nil
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("jsontext: cannot scan %T into an Object", src)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("jsontext: %w", err)
	}
	*o = m
	return nil
}

// MarshalGQL writes o as GraphQL's JSON scalar (Object is the scalar's one
// model): the bytes encoding/json gives, null for nil.
func (o Object) MarshalGQL(w io.Writer) {
	if o == nil {
		_, _ = io.WriteString(w, "null")
		return
	}
	b, err := json.Marshal(map[string]any(o))
	if err != nil {
		// Values come from encoding/json itself (stored JSON columns): not reached.
		_, _ = io.WriteString(w, "null")
		return
	}
	_, _ = w.Write(b)
}

// UnmarshalGQL accepts a JSON object given as input.
func (o *Object) UnmarshalGQL(v any) error {
	switch m := v.(type) {
	case nil:
		*o = nil
		return nil
	case map[string]any:
		*o = m
		return nil
	}
	return fmt.Errorf("a JSON input must be an object")
}
