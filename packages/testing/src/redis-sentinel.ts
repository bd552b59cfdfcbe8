/**
 * A throwaway Redis with Sentinel for tests: a master, a replica and three Sentinels
 * (quorum 2) on free loopback ports, each a `redis-server` process, nothing kept once
 * stopped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './processes.js';

const run = promisify(execFile);
const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 })).stdout;

export interface RedisSentinelSet {
  /** The master name the Sentinels monitor (REDIS_SENTINEL_NAME). */
  name: string;
  /** The Sentinels as `host:port`, comma-separated (REDIS_SENTINELS). */
  sentinels: string;
  /** The port of the master the Sentinels name now. */
  master(): Promise<number>;
  /** SIGKILLs the master and resolves once the Sentinels name the replica instead. */
  killMasterAndWaitForFailover(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a master, its replica and three Sentinels; resolves once they all see each other. */
export async function startRedisSentinel(options: { downAfterMs?: number } = {}): Promise<RedisSentinelSet> {
  const name = 'vcqmaster';
  const dir = await mkdtemp(join(tmpdir(), 'vcq-redis-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all(
      [...children.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const plain = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir];
    const masterPort = await startOnFreePort(children, (port) => ['--port', String(port), ...plain]);
    const replicaPort = await startOnFreePort(children, (port) => ['--port', String(port), ...plain, '--replicaof', '127.0.0.1', String(masterPort)]);
    await waitFor(async () => /master_link_status:up/.test(await cli(replicaPort, 'info', 'replication')), { what: 'the replica to sync', timeoutMs: 15_000, intervalMs: 100 });
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      sentinelPorts.push(
        await startOnFreePort(children, (port) => {
          const file = join(dir, `sentinel-${port}.conf`);
          return {
            args: [file, '--sentinel'],
            prepare: () =>
              writeFile(
                file,
                [
                  `port ${port}`,
                  'bind 127.0.0.1',
                  `dir ${dir}`,
                  `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
                  `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
                  `sentinel failover-timeout ${name} 5000`,
                  '',
                ].join('\n'),
              ),
          };
        }),
      );
    }
    await waitFor(
      async () => {
        for (const port of sentinelPorts) {
          const info = await cli(port, 'sentinel', 'master', name);
          if (!/num-other-sentinels\n2\n/.test(info) || !/num-slaves\n1\n/.test(info)) return false;
        }
        return true;
      },
      { what: 'the sentinels to see each other and the replica', timeoutMs: 30_000, intervalMs: 200 },
    );
    const master = async () => Number((await cli(sentinelPorts[0] as number, 'sentinel', 'get-master-addr-by-name', name)).trim().split('\n')[1]);
    return {
      name,
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      master,
      async killMasterAndWaitForFailover() {
        const port = await master();
        const child = children.get(port);
        if (!child) throw new Error(`no node on ${port}`);
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
        await waitFor(async () => (await master()) !== port && /role:master/.test(await cli(await master(), 'info', 'replication')), {
          what: 'the sentinels to promote the replica',
          timeoutMs: 30_000,
          intervalMs: 100,
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Launch = string[] | { args: string[]; prepare: () => Promise<void> };

/** A redis-server (or Sentinel) on a free port, another port when that one was taken meanwhile. */
async function startOnFreePort(children: Map<number, ChildProcess>, launch: (port: number) => Launch): Promise<number> {
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    if (children.has(port)) continue;
    const spec = launch(port);
    const args = Array.isArray(spec) ? spec : spec.args;
    if (!Array.isArray(spec)) await spec.prepare();
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(port, child);
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (b: Buffer) => {
          out += b.toString();
          if (/Ready to accept connections|Sentinel ID is/.test(out)) resolve();
          if (out.length > 20_000) out = out.slice(-5000);
        });
        child.once('exit', (code) => reject(new Error(`redis-server on ${port} exited (${code}): ${out.slice(-500)}`)));
      });
      return port;
    } catch (error) {
      children.delete(port);
      if (tries >= 10) throw error;
    }
  }
}
