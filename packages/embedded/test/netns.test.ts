/**
 * DATABASE_MODE=auto on a machine with nothing on its loopback: `pnpm start`'s launcher
 * runs inside a fresh network namespace (no PostgreSQL on 127.0.0.1:5432, no Redis),
 * chooses the embedded server by itself and starts the API and worker on it. Needs root
 * and `ip netns`; skipped elsewhere.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const ns = `vcq-bare-${process.pid}`;

function makeNamespace(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = makeNamespace();
let child: ChildProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
  }
  if (available) execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(!available)('pnpm start in a network namespace with nothing on loopback', () => {
  it('chooses the embedded PostgreSQL by itself and serves /healthz', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vcq-netns-'));
    // `ip netns exec` enters the namespace and execs node, so signals reach the launcher itself.
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: '', QUEUE_BACKEND: '', REDIS_URL: '', VCQ_DATA_DIR: dataDir, PORT: '3000', ENABLE_TASK_SCHEDULING: 'false', WORKER_PROCESSES: '2', LOG_LEVEL: 'info' };
    delete env.DATABASE_MODE;
    child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'packages/embedded/src/start-cli.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    const lines: string[] = [];
    let out = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not started within 40 s:\n${lines.slice(-10).join('\n')}`)), 40_000);
      const onData = (buffer: Buffer) => {
        out += buffer.toString('utf8');
        const parts = out.split('\n');
        out = parts.pop() ?? '';
        lines.push(...parts);
        if (lines.some((l) => l.includes('api listening')) && lines.some((l) => l.includes('worker processes started: 2'))) {
          clearTimeout(timer);
          resolve();
        }
      };
      child?.stdout?.on('data', onData);
      child?.stderr?.on('data', onData);
      void exited.then((code) => reject(new Error(`launcher exited (${code}):\n${lines.slice(-10).join('\n')}`)));
    });
    await ready;
    const mode = JSON.parse(lines.find((l) => l.includes('"databaseMode"')) as string);
    expect(mode).toMatchObject({ databaseMode: 'embedded', queueBackend: 'postgres' });
    expect(mode.reason).toBe('DATABASE_MODE=auto, DATABASE_URL is unset and nothing answers on 127.0.0.1:5432');
    const health = execFileSync('ip', ['netns', 'exec', ns, 'node', '-e', "fetch('http://127.0.0.1:3000/healthz').then(async (r) => console.log(r.status, await r.text()))"], { encoding: 'utf8' });
    expect(health.trim()).toBe('200 {"status":"ok"}');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
