/**
 * An error answer means nothing was accepted, or it names the job that may have
 * been: a create whose commit Postgres never confirmed (the reply was lost) is not a
 * plain 503 the caller would retry into a second run.
 */
import { createServer, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiServer } from '../src/server.js';
import { auth, startWorld, uploadForm, type World } from '@vcq/testing';

let world: World;
let server: ApiServer;
let proxy: SilencingProxy;

/**
 * A TCP proxy in front of Postgres that, from the first INSERT into jobs on, lets
 * queries through but drops every reply (a database gone silent after the commit).
 */
interface SilencingProxy {
  port: number;
  /** Replies flow again; the connections that went silent are closed. */
  heal(): void;
  silenced(): boolean;
  close(): Promise<void>;
}

async function startSilencingProxy(target: { host: string; port: number }): Promise<SilencingProxy> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    for (const s of [client, upstream]) {
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => {
        sockets.delete(client);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes('INSERT INTO jobs')) silent = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    heal() {
      silent = false;
      for (const s of sockets) s.destroy();
    },
    silenced: () => silent,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  world = await startWorld();
  const db = new URL(world.database.url);
  proxy = await startSilencingProxy({ host: db.hostname, port: Number(db.port || 5432) });
  db.port = String(proxy.port);
  server = await startApi(world.config({ DATABASE_URL: db.toString(), DATABASE_QUERY_TIMEOUT_MS: '1000', ENABLE_TASK_SCHEDULING: 'false' }));
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await world?.close();
});

describe('a create whose commit was not confirmed', () => {
  it('when Postgres commits the row but its reply is lost, then the 503 names the job, which exists, and the Idempotency-Key retry returns it', async () => {
    const c = await world.content();
    const headers = { ...auth, 'idempotency-key': `unconfirmed-${c.hash}` };
    const post = () => fetch(`${server.url}/api/verification-jobs/verify`, { method: 'POST', headers, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    const first = await post();
    expect(proxy.silenced()).toBe(true);
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await first.json()) as { jobId?: string; pollUrl?: string; detail: string };
    expect(problem.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(problem.pollUrl).toBe(`/api/jobs/${problem.jobId}`);
    expect(first.headers.get('location')).toBe(problem.pollUrl);
    expect(problem.detail).toMatch(/may have been accepted/);

    proxy.heal();
    // The row was committed: the job the answer named is there.
    const rows = await world.sql<{ id: string }>("SELECT id FROM jobs WHERE data->>'contentHash' = $1", [c.hash]);
    expect(rows.map((r) => r.id)).toEqual([problem.jobId]);
    const polled = await fetch(`${server.url}${problem.pollUrl}`, { headers: auth });
    expect(polled.status).toBe(200);

    const retry = await post();
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { jobId: string }).jobId).toBe(problem.jobId);
    expect(await world.sql("SELECT id FROM jobs WHERE data->>'contentHash' = $1", [c.hash])).toHaveLength(1);
  });
});
