// Package graphiql serves the GraphiQL playground from files embedded in the
// binary (copied from the npm packages graphiql, react and react-dom by
// scripts/update-graphiql.sh), so it works with no internet.
package graphiql

import (
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

//go:embed assets
var assets embed.FS

// AssetsPath is where the page loads its scripts and styles from.
const AssetsPath = "/graphiql/"

// Assets serves the embedded scripts and styles under AssetsPath.
func Assets() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix(AssetsPath, http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Versioned by the binary: cache for a day.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// Token is a demo persona's bearer token, offered in dev mode.
type Token struct{ Name, Token string }

// Page is the GraphiQL page of an endpoint.
type Page struct {
	Endpoint string

	mu      sync.RWMutex
	tokens  []Token
	partner string
}

// SetDemoTokens offers tokens in the page (dev mode: serve --demo).
func (p *Page) SetDemoTokens(tokens []Token) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokens = append([]Token(nil), tokens...)
}

// SetDemoPartner makes the default query open on the demo partner (its
// global id): a managed-tenant search and its latest audit events.
func (p *Page) SetDemoPartner(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partner = id
}

// DemoQuery is the default query in dev mode: what a partner admin's
// console shows first (SPEC 11), on the partner with global id partnerID.
func DemoQuery(partnerID string) string {
	return `# The demo partner's customers whose name holds "or" (search, country and
# status filter; orderBy DISPLAY_NAME, CREATED_AT or COUNTRY), and the
# partner's latest audit events (who changed what, newest first).
query Console($partner: ID! = "` + partnerID + `") {
  viewer { user { email } }
  tenant(id: $partner) {
    displayName
    managedTenants(first: 10, where: { search: "or" }, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      edges { node { id displayName country status endsAt } }
    }
    auditEvents(first: 5) {
      edges { node { at action targetId actor { email } after } }
    }
  }
}
`
}

const defaultQuery = `{
  viewer {
    user { email }
    memberships { role tenant { id displayName isPartner } }
  }
}
`

func (p *Page) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	p.mu.RLock()
	tokens, partner := p.tokens, p.partner
	p.mu.RUnlock()
	query := defaultQuery
	if partner != "" {
		query = DemoQuery(partner)
	}
	cfg := map[string]any{"endpoint": p.Endpoint, "query": query}
	if len(tokens) > 0 {
		var b strings.Builder
		b.WriteString("# Demo tokens (dev mode). The Headers tab holds the first; swap in another:\n")
		for _, t := range tokens {
			b.WriteString("#   " + t.Name + ": " + t.Token + "\n")
		}
		cfg["query"] = b.String() + query
		h, _ := json.MarshalIndent(map[string]string{"Authorization": "Bearer " + tokens[0].Token}, "", "  ")
		cfg["headers"] = string(h)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, cfg)
}

var page = template.Must(template.New("graphiql").Parse(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Phystack managed tenants API</title>
  <link rel="stylesheet" href="/graphiql/graphiql.min.css">
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script id="config" type="application/json">{{.}}</script>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script>
    const cfg = JSON.parse(document.getElementById('config').textContent);
    const query = new URLSearchParams(location.search).get('query');
    const props = {
      fetcher: GraphiQL.createFetcher({ url: cfg.endpoint }),
      defaultQuery: query || cfg.query,
      shouldPersistHeaders: false,
    };
    if (cfg.headers) {
      props.defaultHeaders = cfg.headers;
      props.defaultEditorToolsVisibility = 'headers';
    }
    ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
  </script>
</body>
</html>
`))
