/**
 * Browsers cannot be made to act: a cross-site form in headless Chromium, sent with
 * the dashboard user's Basic credentials, pauses no queue and revokes no credential;
 * and the header rules one by one over plain HTTP. A real API, worker, Postgres and
 * Redis; the attacker's page is a server on loopback reached as `localhost`, which
 * Chromium treats as another site than the API's `127.0.0.1`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, type LoopbackServer, auth, jsonClient, type Json, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';
import { withChromium } from '@vcq/testing/chromium';

const ALLOWED_SITE = 'https://app.example';
let world: World;
let api: ApiServer;
let worker: WorkerProcess;
let attacker: LoopbackServer;
/** The attacker's pages, by path: each holds one form that submits itself. */
const pages = new Map<string, string>();

beforeAll(async () => {
  world = await startWorld();
  const config = world.config({ CORS_ORIGINS: ALLOWED_SITE, PREFER_WAIT_MAX_SECONDS: '20' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  attacker = await listenOnLoopback((req, res) => {
    const page = pages.get(req.url ?? '');
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close(), attacker?.close()]);
  await world?.close();
});

const call = jsonClient(() => api.url);
const basic = (key = 'test-key') => `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;

/** Issues a credential through the API (x-api-key) and waits for it. */
async function issueCredential(): Promise<string> {
  const did = async () => {
    const res = await call('POST', '/api/dids', { method: 'key' }, { prefer: 'wait=15' });
    expect(res.status).toBe(200);
    return (res.body.result as { did: string }).did;
  };
  const [issuer, subject] = [await did(), await did()];
  const res = await call('POST', '/api/credentials/issue', { issuerDid: issuer, subjectDid: subject, credentialType: 'GuardTest', claims: { n: 1 } }, { prefer: 'wait=15' });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('completed');
  return (res.body.result as { credentialId: string }).credentialId;
}

const queuePaused = async (name: string): Promise<boolean> => {
  const res = await call('GET', `/queue/${name}/stats`);
  expect(res.status).toBe(200);
  return res.body.data.paused as boolean;
};

/** An auto-submitting cross-site form, as a page on another site would hold it. */
function formPage(action: string): string {
  return `<!doctype html><html><body>
<form id="f" method="POST" action="${action}"><input type="hidden" name="confirm" value="yes"></form>
<script>document.getElementById('f').submit();</script>
</body></html>`;
}

describe('a cross-site form in Chromium', () => {
  it('when a logged-in dashboard user visits a page of another site that posts forms to vcq, then nothing is paused or revoked', async () => {
    const credentialId = await issueCredential();
    expect(await queuePaused('verification')).toBe(false);
    pages.set('/pause', formPage(`${api.url}/queue/verification/pause`));
    pages.set('/revoke', formPage(`${api.url}/api/credentials/${credentialId}/revoke`));
    const attackerSite = attacker.url.replace('127.0.0.1', 'localhost');

    await withChromium(async (browser) => {
      // A person's browser: the credentials go out in reply to the API's challenge.
      const context = await browser.newContext({ httpCredentials: { username: 'admin', password: 'test-key' } });
      const page = await context.newPage();
      const dashboard = await page.goto(`${api.url}/admin/queues`);
      expect(dashboard?.status()).toBe(200);

      const answers: Json[] = [];
      for (const [path, target] of [
        ['/pause', `${api.url}/queue/verification/pause`],
        ['/revoke', `${api.url}/api/credentials/${credentialId}/revoke`],
      ] as const) {
        const posted = page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST' && r.status() !== 401);
        await page.goto(`${attackerSite}${path}`);
        const answer = await posted;
        const sent = await answer.request().allHeaders();
        answers.push({ path, status: answer.status(), type: answer.headers()['content-type'], origin: sent.origin, site: sent['sec-fetch-site'] });
      }
      // Each form really left the other site, as a browser sends it, and was refused.
      expect(answers).toEqual(
        ['/pause', '/revoke'].map((path) => ({ path, status: 403, type: expect.stringMatching(/^application\/problem\+json/), origin: attackerSite, site: 'cross-site' })),
      );
    });

    expect(await queuePaused('verification')).toBe(false);
    const credential = await call('GET', `/api/credentials/${credentialId}`);
    expect(credential.body.status).toBe('issued');
    expect(credential.body.revokedAt).toBeNull();
  });
});

describe('the header rules', () => {
  const post = (path: string, headers: Record<string, string>) => fetch(`${api.url}${path}`, { method: 'POST', headers });

  it('when a POST is authenticated by Basic, then it is refused with 403 and the queue stays running', async () => {
    const res = await post('/queue/webhooks/pause', { authorization: basic() });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Json;
    expect(body.type).toBe('urn:vcq:problem:basic_auth_read_only');
    expect(body.detail).toMatch(/x-api-key or Authorization: Bearer/);
    expect(await queuePaused('webhooks')).toBe(false);
  });

  it('when a GET is authenticated by Basic, then it is answered (Basic stays good for reading)', async () => {
    const res = await fetch(`${api.url}/queue/webhooks/stats`, { headers: { authorization: basic() } });
    expect(res.status).toBe(200);
  });

  it('when a POST carries a Bearer key and no Origin, then it is accepted', async () => {
    const res = await post('/queue/webhooks/pause', { authorization: 'Bearer test-key' });
    expect(res.status).toBe(200);
    expect(await queuePaused('webhooks')).toBe(true);
    expect((await post('/queue/webhooks/resume', { 'x-api-key': 'test-key' })).status).toBe(200);
    expect(await queuePaused('webhooks')).toBe(false);
  });

  it('when a POST with a valid key comes from a foreign Origin, then it is refused with 403', async () => {
    const res = await post('/queue/webhooks/pause', { 'x-api-key': 'test-key', origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const body = (await res.json()) as Json;
    expect(body.type).toBe('urn:vcq:problem:cross_site_request');
    expect(body.detail).toContain('https://evil.example');
    expect(await queuePaused('webhooks')).toBe(false);
  });

  it('when a POST with a valid key says Sec-Fetch-Site: cross-site (or same-site) without an allowed Origin, then it is refused', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const res = await post('/queue/webhooks/pause', { 'x-api-key': 'test-key', 'sec-fetch-site': site });
      expect(res.status, site).toBe(403);
    }
    expect(await queuePaused('webhooks')).toBe(false);
  });

  it('when a POST comes from this server itself (same-origin, or its own Origin), then it is accepted', async () => {
    const res = await post('/queue/webhooks/pause', { 'x-api-key': 'test-key', origin: api.url, 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(200);
    expect((await post('/queue/webhooks/resume', { 'x-api-key': 'test-key', 'sec-fetch-site': 'none' })).status).toBe(200);
    expect(await queuePaused('webhooks')).toBe(false);
  });

  it('when a POST with x-api-key comes from an Origin in CORS_ORIGINS, then it is accepted, but never with Basic', async () => {
    const allowed = await post('/queue/webhooks/pause', { 'x-api-key': 'test-key', origin: ALLOWED_SITE, 'sec-fetch-site': 'cross-site' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_SITE);
    expect((await post('/queue/webhooks/resume', { 'x-api-key': 'test-key' })).status).toBe(200);
    const withBasic = await post('/queue/webhooks/pause', { authorization: basic(), origin: ALLOWED_SITE });
    expect(withBasic.status).toBe(403);
    expect(await queuePaused('webhooks')).toBe(false);
  });

  it('when CORS_ORIGINS is *, then any Origin may POST with x-api-key, and Basic is still refused', async () => {
    const open = await startApi(world.config({ CORS_ORIGINS: '*' }));
    try {
      const keyed = await fetch(`${open.url}/queue/webhooks/pause`, { method: 'POST', headers: { 'x-api-key': 'test-key', origin: 'https://anyone.example' } });
      expect(keyed.status).toBe(200);
      expect((await fetch(`${open.url}/queue/webhooks/resume`, { method: 'POST', headers: auth })).status).toBe(200);
      const withBasic = await fetch(`${open.url}/queue/webhooks/pause`, { method: 'POST', headers: { authorization: basic(), origin: 'https://anyone.example' } });
      expect(withBasic.status).toBe(403);
      expect(await queuePaused('webhooks')).toBe(false);
    } finally {
      await open.close();
    }
  });

  it('when a cross-site POST carries a JSON body, then it is refused before the body matters and nothing is created', async () => {
    const before = await world.sql<{ n: string }>('SELECT count(*)::text AS n FROM jobs');
    const res = await fetch(`${api.url}/api/dids`, {
      method: 'POST',
      headers: { 'x-api-key': 'test-key', 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ method: 'key' }),
    });
    expect(res.status).toBe(403);
    const after = await world.sql<{ n: string }>('SELECT count(*)::text AS n FROM jobs');
    expect(after).toEqual(before);
  });
});
