// Package apperr holds the typed errors of the API. Access and system failures
// are *Error with one of the five codes of SPEC 8; validation and business
// failures of mutations are UserErrors, returned in the payload. The error
// presenter in graph/errors.go is the only place that turns them into
// GraphQL errors.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Code is the extensions.code of a top-level GraphQL error.
type Code string

const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	BadUserInput    Code = "BAD_USER_INPUT"
	Internal        Code = "INTERNAL"
)

// Error is an access or system failure with a message safe to show.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// New returns an *Error.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is what a caller sees for anything missing or hidden: the same
// message either way, so that an error never tells the two apart.
var ErrNotFound = &Error{Code: NotFound, Message: "not found"}

// ErrForbidden is a visible object the caller may not act on.
var ErrForbidden = &Error{Code: Forbidden, Message: "forbidden"}

// ErrUnauthenticated is a missing, unknown or expired bearer token.
var ErrUnauthenticated = &Error{Code: Unauthenticated, Message: "authentication required: send Authorization: Bearer <token>"}

// CodeOf returns the code of err's *Error, if any.
func CodeOf(err error) (Code, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return "", false
}

// IsRefusal reports whether err refuses the caller (UNAUTHENTICATED,
// FORBIDDEN, NOT_FOUND) rather than failing.
func IsRefusal(err error) bool {
	code, ok := CodeOf(err)
	return ok && (code == Unauthenticated || code == Forbidden || code == NotFound)
}

// UserErrorCode is the code of a user error (SPEC 8).
type UserErrorCode string

const (
	Invalid    UserErrorCode = "INVALID"
	Taken      UserErrorCode = "TAKEN"
	Conflict   UserErrorCode = "CONFLICT"
	NotAllowed UserErrorCode = "NOT_ALLOWED"
)

// UserError is one broken rule of a mutation's input; Field is the input
// path, e.g. ["input", "country"].
type UserError struct {
	Field   []string
	Message string
	Code    UserErrorCode
}

// UserErrors is returned as an error by domain code when the input breaks
// rules; resolvers put it in the payload's userErrors.
type UserErrors []UserError

func (u UserErrors) Error() string {
	msgs := make([]string, len(u))
	for i, e := range u {
		msgs[i] = strings.Join(e.Field, ".") + ": " + e.Message
	}
	return "user errors: " + strings.Join(msgs, "; ")
}

// Field builds a UserError on ["input", name].
func Field(name string, code UserErrorCode, msg string) UserError {
	return UserError{Field: []string{"input", name}, Message: msg, Code: code}
}

// AsUserErrors extracts UserErrors from err.
func AsUserErrors(err error) (UserErrors, bool) {
	var u UserErrors
	if errors.As(err, &u) {
		return u, true
	}
	return nil, false
}
