/**
 * Shutdown is bounded: a worker told to stop while a job outlives SHUTDOWN_TIMEOUT_MS
 * exits within that timeout plus a short grace, and the interrupted job runs again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApp, waitFor, type VcqProcess, auth, startWorld, uploadForm, type World } from '@vcq/testing';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  await world?.close();
});

const read = async (server: ApiServer, id: string) =>
  (await (await fetch(`${server.url}/api/verification-jobs/${id}`, { headers: auth })).json()) as { status: string; attempt: number; result: { status: string } | null };

async function worker(env: Record<string, string>): Promise<VcqProcess> {
  const proc = await startApp('worker', world.env(env));
  cleanup.push(() => proc.stop());
  return proc;
}

/** The documented grace after SHUTDOWN_TIMEOUT_MS for the final flush and closing connections. */
const SHUTDOWN_GRACE_MS = 2000;

// On PostgreSQL, Redis is a closed port.
describe.each(['redis', 'postgres'] as const)('shutdown on the %s backend with a job that outlives SHUTDOWN_TIMEOUT_MS', (backend) => {
  let backendEnv: Record<string, string> = {};
  beforeAll(async () => {
    backendEnv = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
  });

  it('when the worker gets SIGTERM, then it exits within the timeout plus the grace and the job runs again later', async () => {
    const server = await startApi(world.config(backendEnv));
    cleanup.push(() => server.close());
    // The manifest host holds the job far longer than the shutdown timeout, and the fetch would wait for it.
    // Locks far longer than the test waits: the job can only run again soon because it
    // was handed back, not because its lock expired (and a loaded machine cannot lose it).
    const locks = { WORKER_LOCK_MS: '60000', WORKER_STALLED_INTERVAL_MS: '30000' };
    const env = { ...backendEnv, ...locks, SHUTDOWN_TIMEOUT_MS: '3000', MANIFEST_FETCH_TIMEOUT_MS: '60000' };
    const first = await worker(env);
    const c = await world.content();
    world.manifests.put(c.path, c.manifest, { delayMs: 60_000 });
    const res = await fetch(`${server.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: uploadForm(c.bytes, { manifestURI: c.manifestUri }) });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { jobId: string }).jobId;
    await waitFor(() => world.manifests.hits(c.path) === 1, { what: 'the manifest request in flight' });

    const signalledAt = performance.now();
    first.kill('SIGTERM');
    const code = await first.exited;
    const tookMs = performance.now() - signalledAt;
    console.log(`${backend}: worker exit after SIGTERM: ${Math.round(tookMs)} ms (SHUTDOWN_TIMEOUT_MS=3000)`);
    expect(tookMs).toBeLessThan(3000 + SHUTDOWN_GRACE_MS);
    // Handing the job back is a clean shutdown, not the last-resort exit.
    expect(code).toBe(0);
    expect(first.lines.some((l) => l.includes(id) && /interrupted by shutdown/.test(l))).toBe(true);
    // The interrupted attempt is not recorded as a failure: the row stays open.
    expect(['queued', 'processing']).toContain((await read(server, id)).status);

    // Nothing is lost: the interrupted job runs again on the next worker and completes.
    world.manifests.put(c.path, c.manifest);
    const second = await worker({ ...backendEnv, ...locks });
    const job = await waitFor(
      async () => {
        const j = await read(server, id);
        return j.status === 'completed' ? j : undefined;
      },
      { what: 'the interrupted job to complete', timeoutMs: 20_000 },
    );
    expect(job.result?.status).toBe('OK');
    expect(job.attempt).toBe(2);
    expect(world.manifests.hits(c.path)).toBe(2);
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
