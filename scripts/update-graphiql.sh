#!/usr/bin/env bash
# Refreshes the GraphiQL page's scripts and styles, which the server embeds
# (internal/server/graphiql/assets) so GraphiQL works with no internet.
# They are copied from the npm packages graphiql, react and react-dom.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund \
  graphiql@3.8.3 react@18.3.1 react-dom@18.3.1 graphql@16.15.0 >/dev/null)
out=internal/server/graphiql/assets
cp "$tmp/node_modules/graphiql/graphiql.min.js" "$tmp/node_modules/graphiql/graphiql.min.css" "$out/"
cp "$tmp/node_modules/react/umd/react.production.min.js" "$out/"
cp "$tmp/node_modules/react-dom/umd/react-dom.production.min.js" "$out/"
for p in graphiql react react-dom; do
  cp "$tmp/node_modules/$p/LICENSE" "$out/LICENSE-$p"
done
ls -la "$out"
