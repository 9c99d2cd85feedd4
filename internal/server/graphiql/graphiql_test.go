package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// The page loads nothing from elsewhere: every script and style is one of
// the embedded assets.
func TestPageUsesOnlyEmbeddedAssets(t *testing.T) {
	p := &Page{Endpoint: "/query"}
	code, html := get(t, p, "/")
	if code != http.StatusOK {
		t.Fatalf("page: %d", code)
	}
	for _, bad := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr"} {
		if strings.Contains(html, bad) {
			t.Errorf("the page refers to %q", bad)
		}
	}
	assets := Assets()
	for _, src := range []string{"graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "graphiql.min.js"} {
		if !strings.Contains(html, AssetsPath+src) {
			t.Errorf("the page does not load %s", src)
		}
		if code, body := get(t, assets, AssetsPath+src); code != http.StatusOK || len(body) < 1000 {
			t.Errorf("%s: %d, %d bytes", src, code, len(body))
		}
	}
	if strings.Contains(html, "Bearer") {
		t.Error("tokens offered without dev mode")
	}
}

// In dev mode the first demo token is in the headers editor and all are
// listed in the default query.
func TestPageOffersDemoTokens(t *testing.T) {
	p := &Page{Endpoint: "/query"}
	p.SetDemoTokens([]Token{{"partnerAdmin", "phy_aaa"}, {"staff", "phy_bbb"}})
	_, html := get(t, p, "/")
	for _, want := range []string{`Bearer phy_aaa`, `partnerAdmin: phy_aaa`, `staff: phy_bbb`, `defaultEditorToolsVisibility`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "Bearer phy_bbb") {
		t.Error("only the first token goes in the headers")
	}
}

// With a demo partner, the default query opens on it (search and audit
// log); without one it stays the viewer query.
func TestPageOpensOnTheDemoPartner(t *testing.T) {
	p := &Page{Endpoint: "/query"}
	_, html := get(t, p, "/")
	if strings.Contains(html, "managedTenants") {
		t.Error("the page outside dev mode opens on a partner")
	}
	p.SetDemoTokens([]Token{{"partnerAdmin", "phy_aaa"}})
	p.SetDemoPartner("VGVuYW50OjE")
	_, html = get(t, p, "/")
	for _, want := range []string{`VGVuYW50OjE`, `managedTenants(first: 10, where:`, `auditEvents(first: 5)`, `partnerAdmin: phy_aaa`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
