package graph_test

import (
	"testing"

	"github.com/phystack/managed-tenants-api/internal/testkit"
)

func TestViewerListsOwnMemberships(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)

	var got struct {
		Viewer struct {
			User        struct{ Email string }
			IsStaff     bool
			Memberships []struct {
				Role   string
				Tenant struct{ ID, DisplayName string }
			}
		}
	}
	api.Query(t, w.Token(w.Both), `{ viewer { user { email } isStaff memberships { role tenant { id displayName } } } }`, &got, nil)
	if got.Viewer.User.Email != "both@example.com" || got.Viewer.IsStaff {
		t.Fatalf("viewer = %+v", got.Viewer)
	}
	want := map[string]string{testkit.ID(w.Managed.ID): "EDITOR", testkit.ID(w.Standalone.ID): "EDITOR"}
	if len(got.Viewer.Memberships) != len(want) {
		t.Fatalf("memberships = %+v", got.Viewer.Memberships)
	}
	for _, m := range got.Viewer.Memberships {
		if want[m.Tenant.ID] != m.Role {
			t.Errorf("membership %+v not expected", m)
		}
	}
}

func TestViewerWithoutTokenIsUnauthenticated(t *testing.T) {
	t.Parallel()
	w := testkit.NewWorld(t)
	api := testkit.NewAPI(t, w.Store, nil)
	for _, token := range []string{"", "phy_unknown", "garbage"} {
		res := api.Do(t, token, `{ viewer { user { email } } }`, nil)
		res.RequireError(t, "UNAUTHENTICATED", "viewer")
	}
}
