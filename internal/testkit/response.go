package testkit

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-viper/mapstructure/v2"
)

// Response is a GraphQL response with its HTTP side.
type Response struct {
	Status     int             `json:"-"`
	Header     http.Header     `json:"-"`
	Raw        []byte          `json:"-"` // the body as sent
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the extensions.code of the error.
func (e Error) Code() string { c, _ := e.Extensions["code"].(string); return c }

// Code is the extensions.code of the first error, "" without errors.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// Codes lists the extensions.code of every error.
func (r *Response) Codes() []string {
	out := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = e.Code()
	}
	return out
}

// RequireCode fails unless the response has exactly one error, of code.
func (r *Response) RequireCode(t testing.TB, code string) {
	t.Helper()
	if len(r.Errors) != 1 || r.Errors[0].Code() != code {
		t.Fatalf("want one %s error, got HTTP %d %s", code, r.Status, r.Raw)
	}
}

// RequireError fails unless the response has exactly one error, of code, at
// the root field's path [field], and field is null. It returns the error's
// message, for tests that compare a hidden object's NOT_FOUND with a
// missing one's (SPEC 2.5).
func (r *Response) RequireError(t testing.TB, code, field string) string {
	t.Helper()
	r.RequireCode(t, code)
	if e := r.Errors[0]; !reflect.DeepEqual(e.Path, []any{field}) {
		t.Fatalf("%s error at path %v, want [%s]: %s", code, e.Path, field, r.Raw)
	}
	if !r.DataIsNull(field) {
		t.Fatalf("%s is not null beside its %s error: %s", field, code, r.Raw)
	}
	return r.Errors[0].Message
}

// DataIsNull reports whether field of data is JSON null (or data is null).
func (r *Response) DataIsNull(field string) bool {
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Data, &m); err != nil {
		return false
	}
	v, ok := m[field]
	return !ok || strings.TrimSpace(string(v)) == "null"
}

// Decode decodes data into out as Query does, failing the test if the
// response has errors.
func (r *Response) Decode(t testing.TB, out any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors (HTTP %d): %s", r.Status, r.Raw)
	}
	r.DecodeData(t, out)
}

// DecodeData decodes data into out whatever the errors: for partial
// responses (a list with a hidden element next to its NOT_FOUND error).
func (r *Response) DecodeData(t testing.TB, out any) {
	t.Helper()
	// The same two steps as gqlgen's client: JSON into maps, then maps into
	// out with the test decoder.
	var data any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("data is not JSON (%v): %s", err, r.Raw)
	}
	d, err := mapstructure.NewDecoder(decoderConfig(out))
	if err != nil {
		t.Fatalf("decoder: %v", err)
	}
	if err := d.Decode(data); err != nil {
		t.Fatalf("decode data: %v\nin %s", err, r.Raw)
	}
}

// decoderConfig is how data is decoded into the test's structs: gqlgen's
// client default (mapstructure on "json" tags, matching names ignoring case,
// zeroing what it overwrites) kept strict with ErrorUnused. A key of the
// response that no field takes fails the decode, so every struct names
// every field its query selects: a misspelt field cannot stay zero and let
// a check like "viewerRole is null" pass without looking.
func decoderConfig(out any) *mapstructure.DecoderConfig {
	return &mapstructure.DecoderConfig{TagName: "json", ErrorUnused: true, ZeroFields: true, Result: out}
}

// UserError is one entry of a mutation payload's userErrors.
type UserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// String is the error as RequireUserErrors spells it: "input.country:INVALID".
func (e UserError) String() string { return strings.Join(e.Field, ".") + ":" + e.Code }

// RequireUserErrors fails unless payload, a decoded mutation payload (a
// struct with UserErrors []UserError beside its objects as pointers),
// refused with exactly the user errors want, in this order, spelt
// "input.country:INVALID", each with a message, and made nothing: every
// pointer field is nil.
func RequireUserErrors(t testing.TB, payload any, want ...string) {
	t.Helper()
	v := reflect.Indirect(reflect.ValueOf(payload))
	var errs []UserError
	ok := v.Kind() == reflect.Struct && v.FieldByName("UserErrors").IsValid()
	if ok {
		errs, ok = v.FieldByName("UserErrors").Interface().([]UserError)
	}
	if !ok {
		t.Fatalf("%T is not a payload with UserErrors []testkit.UserError", payload)
	}
	if errs == nil {
		t.Errorf("userErrors is null, want a list")
	}
	got := make([]string, len(errs))
	for i, e := range errs {
		got[i] = e.String()
		if e.Message == "" {
			t.Errorf("user error %v has no message", e)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("userErrors = %v, want %v", got, want)
	}
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			t.Errorf("%s = %+v beside user errors, want null", v.Type().Field(i).Name, f.Elem().Interface())
		}
	}
}
