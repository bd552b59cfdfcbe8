/**
 * A throwaway Redis Cluster for tests: `redis-server` processes with
 * `--cluster-enabled yes` on free loopback ports, joined by `redis-cli --cluster
 * create` (3 masters with a replica each by default), with nothing kept once stopped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './processes.js';

const run = promisify(execFile);

export interface RedisClusterNodeProcess {
  port: number;
  /** Whether its process still runs (false after `kill`). */
  readonly alive: boolean;
  /** SIGKILLs the node's redis-server: no shutdown, no goodbye to the cluster. */
  kill(): Promise<void>;
}

export interface RedisCluster {
  nodes: RedisClusterNodeProcess[];
  /** Every node as `host:port`, comma-separated (REDIS_CLUSTER_NODES). */
  seeds: string;
  /** The first node as a URL (REDIS_URL). */
  url: string;
  /** The ports of the live masters that serve slots. */
  masters(): Promise<number[]>;
  /** The port of the live master serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /**
   * SIGKILLs the master on `port` and resolves once a replica has taken over its
   * slots and every live node says cluster_state:ok.
   */
  killMasterAndWaitForFailover(port: number): Promise<void>;
  /** Stops every node and removes their directory. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout: how long a silent master has before its replica takes over (ms). */
  nodeTimeoutMs?: number;
}

/** Whether `redis-cli` (which creates the cluster) is on the PATH. */
export async function redisCliAvailable(): Promise<boolean> {
  try {
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    return false;
  }
}

const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 })).stdout;

/** Starts a cluster and waits until every node reports it ok, with each replica in sync. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const dir = await mkdtemp(join(tmpdir(), 'vcq-redis-cluster-'));
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
    const ports = await Promise.all(Array.from({ length: count }, () => startNodeOnFreePort(dir, options.nodeTimeoutMs ?? 1000, children)));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    const live = () => ports.filter((p) => isAlive(children.get(p)));
    const healthy = async () => {
      for (const port of live()) {
        const info = await cli(port, 'cluster', 'info');
        if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
      }
      return true;
    };
    const syncedReplicas = async () => {
      for (const port of live()) {
        const info = await cli(port, 'info', 'replication');
        if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) return false;
      }
      return true;
    };
    await waitFor(async () => (await healthy()) && (await syncedReplicas()), { what: 'the redis cluster to be ok on every node', timeoutMs: 30_000, intervalMs: 100 });
    const masterPorts = async () => {
      const nodes = await cli(live()[0] as number, 'cluster', 'nodes');
      return nodes
        .split('\n')
        .filter((line) => /\bmaster\b/.test(line) && !/\bfail\b/.test(line) && line.trim().split(' ').length > 8)
        .map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
    };
    return {
      nodes: ports.map((port) => ({
        port,
        get alive() {
          return isAlive(children.get(port));
        },
        async kill() {
          const child = children.get(port);
          if (!child || !isAlive(child)) return;
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        },
      })),
      seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
      url: `redis://127.0.0.1:${ports[0]}`,
      masters: masterPorts,
      async masterOf(key) {
        const slot = Number((await cli(live()[0] as number, 'cluster', 'keyslot', key)).trim());
        for (const line of (await cli(live()[0] as number, 'cluster', 'nodes')).split('\n')) {
          const fields = line.trim().split(' ');
          if (!/\bmaster\b/.test(line) || /\bfail\b/.test(line)) continue;
          for (const range of fields.slice(8)) {
            const [from, to] = range.split('-').map(Number) as [number, number | undefined];
            if (slot >= from && slot <= (to ?? from)) return Number(/:(\d+)@/.exec(line)?.[1]);
          }
        }
        throw new Error(`no live master serves slot ${slot}`);
      },
      async killMasterAndWaitForFailover(port) {
        const child = children.get(port);
        if (!child) throw new Error(`no node on port ${port}`);
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
        await waitFor(async () => (await healthy()) && !(await masterPorts()).includes(port), { what: `a replica to take over from the master on ${port}`, timeoutMs: 30_000, intervalMs: 100 });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const isAlive = (child: ChildProcess | undefined) => child !== undefined && child.exitCode === null && child.signalCode === null;

/**
 * A node on a free port whose cluster bus port (port + 10000) is in range; a port
 * taken by someone else between the pick and the bind is given up for another.
 */
async function startNodeOnFreePort(dir: string, nodeTimeoutMs: number, children: Map<number, ChildProcess>): Promise<number> {
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    if (port > 55_000 || children.has(port)) continue;
    try {
      await startNode(port, dir, nodeTimeoutMs, children);
      return port;
    } catch (error) {
      children.delete(port);
      if (tries >= 10) throw error;
    }
  }
}

async function startNode(port: number, dir: string, nodeTimeoutMs: number, children: Map<number, ChildProcess>): Promise<void> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      String(nodeTimeoutMs),
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.set(port, child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (/Ready to accept connections/.test(out)) resolve();
      // Only the start-up lines are of interest.
      if (out.length > 20_000) out = out.slice(-5000);
    });
    child.once('exit', (code) => reject(new Error(`redis-server on ${port} exited (${code}): ${out.slice(-500)}`)));
  });
}
