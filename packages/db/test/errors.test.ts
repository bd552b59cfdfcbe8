import { connect, createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, testDatabaseBaseUrl, testDatabaseUrl } from '@vcq/testing';
import { createDb, isDatabaseUnavailable, JobStore } from '../src/index.js';

const servers: Array<{ close(): void }> = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A "database" that accepts connections and hangs up at once. */
async function hangingUpServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  return (server.address() as { port: number }).port;
}

/** A TCP proxy to the real Postgres that can go silent (a blackholed network): bytes in, nothing out. */
async function silenceableProxy(): Promise<{ port: number; silence(): void }> {
  const postgres = new URL(testDatabaseBaseUrl());
  let silent = false;
  const server = createServer((client) => {
    const upstream = connect(Number(postgres.port || 5432), postgres.hostname);
    client.on('data', (chunk) => {
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silent) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  return { port: (server.address() as { port: number }).port, silence: () => (silent = true) };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the query to fail');
}

describe('isDatabaseUnavailable', () => {
  it('when nothing listens, then a raw query and an ORM query both fail as unavailable', async () => {
    const db = createDb(`postgresql://postgres@127.0.0.1:${await freePort()}/none`);
    expect(isDatabaseUnavailable(await errorOf(db.$queryRaw`SELECT 1`))).toBe(true);
    expect(isDatabaseUnavailable(await errorOf(db.job.count()))).toBe(true);
    await db.$disconnect();
  });

  it('when the server hangs up, then a batched job insert fails as unavailable (so the API answers 503)', async () => {
    const db = createDb(`postgresql://postgres@127.0.0.1:${await hangingUpServer()}/none`);
    const store = new JobStore(db, { flushMs: 1, maxBatch: 10 });
    const error = await errorOf(store.create({ id: '00000000-0000-4000-8000-000000000001', queue: 'q', name: 'n', data: {}, mode: 'async', maxAttempts: 1 }));
    expect(isDatabaseUnavailable(error)).toBe(true);
    await db.$disconnect();
  });

  it('when the database goes silent mid-session, then the query times out as unavailable (503), not as an internal error', async () => {
    const proxy = await silenceableProxy();
    const url = new URL(testDatabaseUrl('postgres'));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const db = createDb(url.toString(), { queryTimeoutMs: 300 });
    expect(await db.$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
    proxy.silence();
    const started = Date.now();
    const error = await errorOf(db.$queryRaw`SELECT 1 AS one`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isDatabaseUnavailable(error)).toBe(true);
    await db.$disconnect();
  });

  it('when a raw query loses its connection mid-way (the shape a Postgres cut produced in the drill), then it is unavailable', () => {
    const closed = Object.assign(new Error('Raw query failed. Code: `N/A`. Message: `Server has closed the connection.`'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2010',
      meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } } },
    });
    expect(isDatabaseUnavailable(closed)).toBe(true);
    expect(isDatabaseUnavailable({ code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'SocketTimeout' } } } })).toBe(true);
  });

  it('when the error is about the data, then it is not unavailable', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('Raw query failed'), { code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'UniqueConstraintViolation' } } } }))).toBe(false);
  });
});
