/**
 * The Bull Board dashboard at /admin/queues, against a real API, Postgres and Redis,
 * opened in Debian's Chromium driven by playwright-core (no browser download).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '@vcq/app';
import { freePort, startRedisServer, type RedisServer, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../src/server.js';
import { withChromium } from '@vcq/testing/chromium';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

let world: World;
let api: ApiServer;

beforeAll(async () => {
  world = await startWorld();
  api = await startApi(world.config({ API_KEYS: 'test-key,reader-key:read' }));
});

afterAll(async () => {
  await api?.close();
  await world?.close();
});

/** Submits a verify job; with no worker running it stays waiting in its queue. */
async function submitVerification(): Promise<void> {
  const c = await world.content();
  const res = await fetch(`${api.url}/api/verification-jobs/verify`, {
    method: 'POST',
    body: uploadForm(c.bytes, { manifestURI: c.manifestUri, registryAddress: world.registry }),
    headers: auth,
  });
  expect(res.status).toBe(202);
}

describe('GET /admin/queues', () => {
  it('when no key is given, then the page and its data API answer 401', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await fetch(`${api.url}${path}`);
      expect(res.status, path).toBe(401);
    }
  });

  it('when the key lacks the admin scope, then the page and its data API answer 403', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await fetch(`${api.url}${path}`, { headers: { 'x-api-key': 'reader-key' } });
      expect(res.status, path).toBe(403);
    }
  });

  it('when an admin opens it in Chromium, then every queue is listed with its jobs', async () => {
    await submitVerification();
    await submitVerification();
    await withChromium(async (browser) => {
      const context = await browser.newContext({ extraHTTPHeaders: auth, viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      // Collected from the first byte, so CSP blocks in the HTML itself are seen too.
      // (A string, because this runs in the page and the project has no DOM types.)
      await page.addInitScript({
        content: `window.cspViolations = [];
          document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));`,
      });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));

      const res = await page.goto(`${api.url}/admin/queues`);
      expect(res?.status()).toBe(200);

      const main = page.locator('main');
      for (const name of queueNames) await main.getByRole('link', { name, exact: true }).waitFor();
      const sidebar = await page.locator('aside nav a').allInnerTexts();
      expect(sidebar.map((t) => t.trim()).sort()).toEqual([...queueNames].sort());

      // The two waiting jobs show only if the board reads the deployment's key prefix.
      const verificationCard = main.locator('li').filter({ has: page.getByRole('link', { name: 'verification', exact: true }) });
      await verificationCard.getByText('2 Jobs').waitFor();

      // Read-only: its header's menu (the last action) links to the API operations that retry and list failures.
      await page.locator('header ul li').last().locator('button').click();
      await page.getByText('Bulk retry (API)').waitFor();
      const links = await page.locator('a[href^="/docs#/"]').evaluateAll((as) => as.map((a) => [a.textContent?.trim(), a.getAttribute('href')]));
      expect(links).toEqual(
        expect.arrayContaining([
          ['Dead letters (API)', '/docs#/Queue%20administration/listDeadLetters'],
          ['Bulk retry (API)', '/docs#/Queue%20administration/retryQueueJobs'],
        ]),
      );

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

      // The board needs same-origin scripts, inline styles and data: images; a CSP
      // that blocks any of those breaks it. Third-party fonts may stay blocked.
      const violations = (await page.evaluate('window.cspViolations')) as string[];
      expect(violations.filter((v) => !/ https?:\/\//.test(v) || v.includes(api.url))).toEqual([]);
      expect(errors).toEqual([]);
    });
  });

  it('when a browser answers the 401 challenge with Basic credentials, then the dashboard opens', async () => {
    await withChromium(async (browser) => {
      // Sent only in reply to a challenge Chromium understands, as a person's browser would.
      const context = await browser.newContext({ httpCredentials: { username: 'admin', password: 'test-key' } });
      const page = await context.newPage();
      const res = await page.goto(`${api.url}/admin/queues`);
      expect(res?.status()).toBe(200);
      await page.locator('aside nav').getByRole('link', { name: 'verification', exact: true }).waitFor();
    });
  });

  it('when Redis is down as the dashboard first loads, then it lists the queues once Redis is back', async () => {
    const port = await freePort();
    const cut = await startApi(world.config({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    let redis: RedisServer | undefined;
    try {
      // The page itself needs no Redis; serving it builds the board's Queues while Redis is down.
      expect((await fetch(`${cut.url}/admin/queues`, { headers: auth })).status).toBe(200);
      redis = await startRedisServer(port);
      const res = await fetch(`${cut.url}/admin/queues/api/queues`, { headers: auth });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { queues: Array<{ name: string }> };
      expect(body.queues.map((q) => q.name).sort()).toEqual([...queueNames].sort());
    } finally {
      await cut.close();
      await redis?.stop();
    }
  });
});
