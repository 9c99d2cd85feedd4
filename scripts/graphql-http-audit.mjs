// Runs the graphql-http audit suite (serverAudits) against a running server
// and exits non-zero when any MUST or SHOULD audit fails.
// Usage: node scripts/graphql-http-audit.mjs http://127.0.0.1:8080/query
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-http-audit.mjs <url>');
  process.exit(2);
}
const results = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  results.push({ audit, result: await audit.fn() });
}
let failed = 0;
for (const { audit, result } of results) {
  const must = audit.name.startsWith('MUST');
  const should = audit.name.startsWith('SHOULD');
  if (result.status === 'ok') continue;
  if (result.status === 'warn' && !must && !should) continue;
  const counts = must || should;
  if (counts) failed++;
  console.log(`${counts ? 'FAIL' : 'note'} ${audit.id} ${audit.name}: ${result.status} ${result.reason}`);
}
const ok = results.filter((r) => r.result.status === 'ok').length;
console.log(`${ok} of ${results.length} audits ok; ${failed} MUST/SHOULD failed`);
process.exit(failed ? 1 : 0);
