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

// node is a reference to an object of the API, by its global id.
type node struct{ ID string }
