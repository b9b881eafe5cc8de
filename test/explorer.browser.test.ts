/**
 * The explorer as a developer opens it: GET /graphql in headless Chromium, with every request to
 * another origin refused (as if offline), must load GraphiQL and run a query.
 * Needs Debian's chromium (`apt-get install chromium`; .ci/run installs it). Without it the test
 * is skipped with one line, except when REQUIRE_CHROMIUM=1 (.ci/run sets it) or CI is set: then
 * a missing browser fails the test instead of skipping it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startTestApp, type TestApp } from './helpers/app';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const found = fs.existsSync(executablePath);
const required = process.env.REQUIRE_CHROMIUM === '1' || Boolean(process.env.CI);
if (!found && !required) process.stdout.write(`explorer browser test skipped: no chromium at ${executablePath}\n`);

(found || required ? describe : describe.skip)('the explorer in a browser, offline', () => {
  let t: TestApp;
  let profile: string;
  beforeAll(async () => {
    t = await startTestApp();
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });

  it('loads GraphiQL from this server only and runs a query', async () => {
    if (!fs.existsSync(executablePath))
      throw new Error(`no chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const origin = new URL(t.url).origin;
      const leftOrigin: string[] = [];
      const problems: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === origin) return route.continue();
        leftOrigin.push(url);
        return route.abort('internetdisconnected');
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/favicon/.test(m.location().url)) problems.push(`console: ${m.text()}`);
      });

      const res = await page.goto(`${t.url}/graphql`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
      await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
      // The default query (pricing and an advisor search) runs against this server.
      await page.click('.graphiql-execute-button');
      await page.locator('.graphiql-response', { hasText: 'priceCents' }).waitFor({ timeout: 20_000 });
      const response = await page.textContent('.graphiql-response');
      expect(response).toMatch(/"sku"/);
      expect(response).toMatch(/"advisors"/);
      expect(response).not.toMatch(/"errors"/);
      expect(leftOrigin).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
