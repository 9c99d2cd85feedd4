// Opens the server's GraphiQL page in headless Chromium with every request
// that is not for the server blocked, runs its default query (in --demo
// mode: the demo partner's managed-tenant search and audit log) with the
// demo token the page offers, reads the result and keeps a screenshot.
// Usage: node scripts/graphiql-e2e.mjs http://127.0.0.1:8080/ screenshot.png
import { chromium } from 'playwright-core';

const [url, shot] = process.argv.slice(2);
if (!url || !shot) {
  console.error('usage: node graphiql-e2e.mjs <page-url> <screenshot.png>');
  process.exit(2);
}
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let code = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const blocked = [];
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin)) return route.continue();
    blocked.push(u);
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector('.graphiql-execute-button', { timeout: 30000 });
  // The answer as the page received it (the result pane renders only the
  // lines in view).
  const answer = page.waitForResponse((r) => r.url().startsWith(origin + '/query') &&
    (r.request().postData() || '').includes('managedTenants'), { timeout: 30000 });
  await page.click('.graphiql-execute-button');
  const body = await (await answer).json();
  await page.waitForFunction(
    () => (document.querySelector('.result-window')?.innerText || '').includes('"data"'),
    null, { timeout: 30000 });
  const result = await page.$eval('.result-window', (e) => e.innerText);
  await page.screenshot({ path: shot });
  console.log('result:', result.replace(/\s+/g, ' ').trim());
  console.log('requests blocked (off the server):', blocked.length ? blocked : 'none');
  const t = body.data?.tenant;
  const checks = {
    'no errors': !body.errors,
    "the demo partner admin's email": body.data?.viewer?.user?.email === 'admin@nordic-signage.example',
    'a managed-tenant search with hits': t?.managedTenants?.totalCount > 0,
    'audit events': t?.auditEvents?.edges?.length > 0,
    'the result pane shows the answer': result.includes('managedTenants'),
  };
  for (const [what, ok] of Object.entries(checks)) {
    if (!ok) {
      console.error(`the default query: no ${what}: ${JSON.stringify(body)}`);
      code = 1;
    }
  }
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
