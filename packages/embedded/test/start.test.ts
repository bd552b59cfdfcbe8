/**
 * `pnpm start` in embedded mode as real processes: the launcher starts its own
 * PostgreSQL in a temporary data directory, the API and worker run on it (queues on
 * BullMQ's PostgreSQL backend, Redis pointed at a closed port), and the data survives a
 * clean restart, a launcher killed with SIGKILL (its server left running) and a crash
 * of launcher and server together (a stale postmaster.pid naming a live, unrelated process),
 * and refuses a second launcher on a data dir that is in use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnNode, waitFor, type VcqProcess } from '@vcq/testing';

const KEY = 'embedded-test-key-0123456789';
let dataDir: string;
let port: number;
const running: VcqProcess[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pids of `pid`'s child processes (Linux). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Starts the launcher and resolves once the API listens and the worker has started. */
async function start(): Promise<{ proc: VcqProcess; postgresPid: number; ms: number }> {
  const t0 = Date.now();
  const proc = spawnNode('start', ['--import', 'tsx', 'packages/embedded/src/start-cli.ts'], {
    DATABASE_MODE: 'embedded',
    DATABASE_URL: '',
    QUEUE_BACKEND: '',
    VCQ_DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    API_KEYS: KEY,
    // Nothing listens there: embedded mode must not need Redis.
    REDIS_URL: 'redis://127.0.0.1:1',
    ENABLE_TASK_SCHEDULING: 'false',
    QUEUE_CONCURRENCY: '10',
    // Two worker processes under their supervisor, whatever the machine's cores.
    WORKER_PROCESSES: '2',
    LOG_LEVEL: 'info',
  });
  running.push(proc);
  const ready = await proc.waitForLine(/embedded PostgreSQL ready/, 40_000);
  await Promise.all([proc.waitForLine(/api listening/, 40_000), proc.waitForLine(/worker processes started: 2/, 40_000)]);
  return { proc, postgresPid: JSON.parse(ready).pid as number, ms: Date.now() - t0 };
}

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'x-api-key': KEY, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

/** SIGKILLs the launcher and waits until the API and worker have noticed and exited. */
async function killLauncher({ proc, postgresPid }: { proc: VcqProcess; postgresPid: number }): Promise<void> {
  const pid = proc.child.pid as number;
  // The server is the launcher's child too, and is meant to outlive it.
  const children = (await childrenOf(pid)).filter((c) => c !== postgresPid);
  expect(children.length).toBeGreaterThanOrEqual(2);
  proc.kill('SIGKILL');
  await proc.exited;
  await waitFor(() => children.every((c) => !alive(c)), { timeoutMs: 20_000, what: 'the API and worker to exit after their launcher died' });
}

afterAll(async () => {
  for (const proc of running) await proc.stop();
  // A server left by a failed assertion: stop it through its pid file.
  try {
    const pid = Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    if (pid > 0 && pid !== process.pid && alive(pid)) process.kill(pid, 'SIGQUIT');
  } catch {
    // None.
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('pnpm start with DATABASE_MODE=embedded', () => {
  it('serves from its own PostgreSQL and keeps the data across a restart, a killed launcher and a crash', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vcq-embedded-'));
    port = await freePort();
    const timings: Record<string, number> = {};

    // First start: a new cluster, migrations, API and worker.
    const first = await start();
    timings.firstStartMs = first.ms;
    const modeLine = JSON.parse(first.proc.lines.find((l) => l.includes('"databaseMode"')) as string);
    expect(modeLine).toMatchObject({ databaseMode: 'embedded', reason: 'DATABASE_MODE=embedded', queueBackend: 'postgres' });
    expect(first.proc.lines.some((l) => l.includes('creating the embedded PostgreSQL cluster'))).toBe(true);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const created = await call('POST', '/api/dids', { method: 'key' }, { prefer: 'wait=15' });
    expect(created.status).toBe(200);
    expect(created.body.status).toBe('completed');
    const did = created.body.result.did as string;
    expect(did).toMatch(/^did:key:z/);
    const state = JSON.parse(await readFile(join(dataDir, 'postgres.json'), 'utf8'));
    expect(state.port).toBeGreaterThan(0);

    // SIGTERM: API and worker drain, then the server stops; nothing is left running.
    first.proc.kill('SIGTERM');
    expect(await first.proc.exited).toBe(0);
    expect(alive(first.postgresPid)).toBe(false);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    // Second start: same cluster, same port, the DID is still there.
    const second = await start();
    timings.restartMs = second.ms;
    expect(second.proc.lines.some((l) => l.includes('creating the embedded PostgreSQL cluster'))).toBe(false);
    expect(second.proc.lines.some((l) => l.includes(`127.0.0.1:${state.port}`))).toBe(true);
    const resolved = await call('GET', `/api/dids/${encodeURIComponent(did)}`);
    expect(resolved.status).toBe(200);

    // A second vcq on the same data dir is refused; the running one is left alone.
    const other = spawnNode('second-launcher', ['--import', 'tsx', 'packages/embedded/src/start-cli.ts'], {
      DATABASE_MODE: 'embedded',
      DATABASE_URL: '',
      VCQ_DATA_DIR: dataDir,
      PORT: String(await freePort()),
    });
    running.push(other);
    expect(await other.exited).toBe(1);
    expect(other.lines.join('\n')).toMatch(/vcq is already running on .* \(pid \d+\)/);
    expect(alive(second.postgresPid)).toBe(true);
    expect((await call('GET', `/api/dids/${encodeURIComponent(did)}`)).status).toBe(200);

    // The launcher is killed outright: its API and worker follow it, its server keeps running ...
    await killLauncher(second);
    expect(alive(second.postgresPid)).toBe(true);

    // ... and the next start stops that server and takes over the cluster.
    const third = await start();
    timings.afterKilledLauncherMs = third.ms;
    expect(third.proc.lines.some((l) => l.includes('still running; stopping it'))).toBe(true);
    expect(alive(second.postgresPid)).toBe(false);
    expect((await call('GET', `/api/dids/${encodeURIComponent(did)}`)).status).toBe(200);

    // A crash of launcher and server together, and the pid in postmaster.pid reused by
    // another process (this one): PostgreSQL itself would refuse to start on that file.
    await killLauncher(third);
    process.kill(third.postgresPid, 'SIGKILL');
    await waitFor(() => !alive(third.postgresPid), { timeoutMs: 10_000, what: 'the killed server to be gone' });
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    const lines = (await readFile(pidFile, 'utf8')).split('\n');
    await writeFile(pidFile, [String(process.pid), ...lines.slice(1)].join('\n'));

    const fourth = await start();
    timings.afterCrashMs = fourth.ms;
    expect(fourth.proc.lines.some((l) => l.includes('stale postmaster.pid'))).toBe(true);
    expect((await call('GET', `/api/dids/${encodeURIComponent(did)}`)).status).toBe(200);
    fourth.proc.kill('SIGTERM');
    expect(await fourth.proc.exited).toBe(0);
    expect(alive(fourth.postgresPid)).toBe(false);
    console.log(`embedded start timings: ${JSON.stringify(timings)}`);
  }, 150_000);
});
