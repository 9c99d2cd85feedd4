package graph_test

import (
	"context"
	"testing"

	"github.com/phystack/managed-tenants-api/ent/rule"
	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// sys is the system context: tests read and write rows through ent with it,
// past the privacy rules.
var sys = rule.SystemContext(context.Background())

// notFoundMessages holds, by root field, the message of its first NOT_FOUND
// error: every other must read the same, or a hidden object could be told
// from a missing one (SPEC 2.5).
type notFoundMessages map[string]string

// same fails the test unless msg is the first NOT_FOUND message of field.
func (m notFoundMessages) same(t *testing.T, field, msg string) {
	t.Helper()
	first, seen := m[field]
	if !seen {
		m[field] = msg
	} else if msg != first {
		t.Errorf("%s: NOT_FOUND message %q differs from %q: hidden and missing must read alike", field, msg, first)
	}
}

// node is a reference to an object of the API, by its global id.
type node struct{ ID string }
