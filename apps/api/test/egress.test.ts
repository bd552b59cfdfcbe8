/**
 * The one way out, seen from the API: manifest URIs that point inside vcq's network
 * are refused at the door (400, no job, the target never reached), and what an
 * internal service says never comes back in an answer or a job's error.
 */
import { freePort, listenOnLoopback, type LoopbackServer, startTcpService, type TcpService, auth, type Json, startWorld, uploadForm, type World } from '@vcq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiServer } from '../src/server.js';

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
// What a Redis-like internal service says to anyone who connects.
const BANNER = '-NOAUTH internal-redis-secret-41c2 Authentication required.\r\n';

let world: World;
let service: TcpService;
/** Only the world's manifest host and gateway may be private (each by host:port). */
let strict: ApiServer;
/** Redis unreachable, so jobs run inside the request and their outcome is the answer. */
let sync: ApiServer;

beforeAll(async () => {
  world = await startWorld();
  service = await startTcpService(BANNER);
  const hosts = [world.manifests.url, world.gateway.url].map((u) => new URL(u).host).join(',');
  const deadRedis = `redis://127.0.0.1:${await freePort()}`;
  [strict, sync] = await Promise.all([
    startApi(world.config({ EGRESS_ALLOW_PRIVATE_HOSTS: hosts, QUEUE_PREFIX: `${world.prefix}s` })),
    startApi(world.config({ REDIS_URL: deadRedis, JOB_ATTEMPTS: '1', QUEUE_PREFIX: `${world.prefix}y` })),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([strict?.close(), sync?.close(), service?.close()]);
  await world?.close();
});

async function submit(api: ApiServer, manifestURI: string, path = '/api/verification-jobs/verify'): Promise<{ status: number; text: string; body: Json }> {
  const c = await world.content();
  const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Json };
}

async function jobsFor(manifestUri: string): Promise<number> {
  const rows = await world.sql<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE data->>'manifestUri' = $1`, [manifestUri]);
  return Number(rows[0]?.n);
}

describe('manifest URIs that point inside', () => {
  it('when the manifest URI is an internal TCP service and its host is not allowlisted, then 400 names manifestURI, no job exists and the service is never reached', async () => {
    const uri = `http://127.0.0.1:${service.port}/`;

    const answer = await submit(strict, uri);

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ field: 'manifestURI', message: expect.stringContaining('is not a public address (loopback)') }]);
    expect(answer.text).not.toContain('internal-redis-secret');
    expect(await jobsFor(uri)).toBe(0);
    expect(service.connections()).toBe(0);
  });

  it('when the manifest URI names the service by a name that resolves to loopback, then 400 without saying the address', async () => {
    const uri = `http://localhost:${service.port}/manifest.json`;

    const answer = await submit(strict, uri);

    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe(`manifestURI is refused: localhost resolves to a private or reserved address`);
    expect(answer.text).not.toMatch(/127\.0\.0\.1|::1/);
    expect(service.connections()).toBe(0);
  });

  it('when the legacy synchronous route gets the same URI, then it is refused the same way', async () => {
    const answer = await submit(strict, `http://127.0.0.1:${service.port}/`, '/api/verify');

    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].field).toBe('manifestURI');
    expect(service.connections()).toBe(0);
  });

  it.each([
    `ipfs://${CID}/%2e%2e/%2e%2e/admin`,
    `ipfs://${CID}/%2E%2E/%2E%2E/admin`,
    `ipfs://${CID}/a/..%2f..%2fadmin`,
    `ipfs://${CID}/\\..\\..\\admin`,
    `ipfs://${CID}/a%5c..%5c..%5cadmin`,
  ])('when an ipfs:// path escapes its CID (%s), then 400 names manifestURI and the gateway is not asked', async (uri) => {
    const before = world.gateway.hits('/admin');

    const answer = await submit(strict, uri);

    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].field).toBe('manifestURI');
    expect(world.gateway.hits('/admin')).toBe(before);
    expect(await jobsFor(uri)).toBe(0);
  });

  it('when an ipfs:// path is legitimate, then the job is accepted through the allowlisted gateway', async () => {
    world.gateway.add(CID, 'dir/my manifest.json', { not: 'checked here' });
    const answer = await submit(strict, `ipfs://${CID}/dir/my%20manifest.json`);
    expect(answer.status).toBe(202);
  });
});

describe('what internal services say stays inside', () => {
  let redirector: LoopbackServer;

  beforeAll(async () => {
    // An allowlisted manifest host (the world's allowlist is 127.0.0.1) that sends callers on to "localhost".
    redirector = await listenOnLoopback((_req, res) => res.writeHead(302, { location: `http://localhost:${service.port}/` }).end());
  });

  afterAll(async () => {
    await redirector?.close();
  });

  it('when an allowlisted manifest URI reaches a service that does not speak HTTP, then the error holds none of its bytes', async () => {
    const before = service.connections();

    const answer = await submit(sync, `http://127.0.0.1:${service.port}/`);

    expect(answer.status).toBe(502);
    expect(answer.body.detail).toMatch(/not valid HTTP/);
    expect(answer.text).not.toContain('internal-redis-secret');
    expect(answer.text).not.toContain('NOAUTH');
    expect(service.connections()).toBe(before + 1);
    const rows = await world.sql<{ error: unknown }>(`SELECT error FROM jobs WHERE data->>'manifestUri' = $1`, [`http://127.0.0.1:${service.port}/`]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row.error)).not.toContain('internal-redis-secret');
  });

  it('when an allowlisted manifest host redirects to a name that is not allowlisted, then the hop is refused and the service is not reached', async () => {
    const before = service.connections();

    const answer = await submit(sync, `${redirector.url}/m.json`);

    expect(answer.status).toBe(422);
    expect(answer.body.detail).toContain('a redirect leads to a private or reserved address');
    expect(answer.text).not.toContain(`localhost:${service.port}`);
    expect(service.connections()).toBe(before);
  });
});
