/**
 * `/metrics` on its own listener and the scrape token, over real HTTP on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type MetricsServer, readMetric, scrapeAllowed, startMetricsServer } from '../src/index.js';

const TOKEN = 'scrape-token-0123456789';
const silent = { info: () => {}, error: () => {} };
let guarded: MetricsServer;
let open: MetricsServer;

beforeAll(async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.jobs.finished({ queue: 'q', name: 'n', outcome: 'completed', durationMs: 1 });
  [guarded, open] = await Promise.all([
    startMetricsServer(metrics, { port: 0, host: '127.0.0.1', token: TOKEN, log: silent }),
    startMetricsServer(metrics, { port: 0, host: '127.0.0.1', log: silent }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([guarded?.close(), open?.close()]);
});

describe('scrapeAllowed', () => {
  it('when no token is configured, then any scrape is allowed', () => {
    expect(scrapeAllowed(undefined, undefined)).toBe(true);
    expect(scrapeAllowed('Bearer anything', undefined)).toBe(true);
  });

  it('when a token is configured, then only Bearer with exactly that token is allowed', () => {
    expect(scrapeAllowed(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(scrapeAllowed(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    for (const header of [undefined, '', 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, TOKEN, `Bearer ${TOKEN} extra`]) {
      expect(scrapeAllowed(header, TOKEN), String(header)).toBe(false);
    }
  });
});

describe('startMetricsServer', () => {
  it('when a token is set and the scrape sends it, then the metrics come back', async () => {
    const res = await fetch(guarded.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(readMetric(await res.text(), 'vcq_jobs_completed_total', { queue: 'q', name: 'n' })).toBe(1);
  });

  it('when a token is set and the scrape has none or another, then 401 problem+json with a Bearer challenge', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }] as Record<string, string>[]) {
      const res = await fetch(guarded.url, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      const body = (await res.json()) as { type: string; status: number; detail: string };
      expect(body).toMatchObject({ type: 'urn:vcq:problem:unauthorized', status: 401 });
      expect(body.detail).toContain('METRICS_TOKEN');
      expect(JSON.stringify(body)).not.toContain('vcq_jobs');
    }
  });

  it('when no token is set, then a scrape needs none', async () => {
    expect((await fetch(open.url)).status).toBe(200);
  });

  it('when anything but GET or HEAD /metrics is asked, then 404 or 405 as problem+json', async () => {
    const other = await fetch(new URL('/other', open.url));
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const post = await fetch(open.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(open.url, { method: 'HEAD' })).status).toBe(200);
  });
});
