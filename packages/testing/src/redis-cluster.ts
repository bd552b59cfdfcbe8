/**
 * A throwaway Redis Cluster for tests: `redis-server` processes with
 * `--cluster-enabled yes` on free loopback ports, joined by `redis-cli --cluster
 * create` (3 masters with a replica each by default), with nothing kept once stopped.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from './processes.js';
import { RedisGroup, redisCli as cli } from './redis-group.js';

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

/** Starts a cluster and waits until every node reports it ok, with each replica in sync. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const group = await RedisGroup.create('redis-cluster');
  const stop = () => group.stop();
  try {
    const node = (port: number) => [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', group.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000)],
    ];
    // The cluster bus listens on port + 10000, which must be in range too.
    const ports = await Promise.all(Array.from({ length: count }, () => group.start(node, { maxPort: 55_000 })));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    const live = () => ports.filter((p) => group.alive(p));
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
          return group.alive(port);
        },
        kill: () => group.kill(port),
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
        await group.kill(port);
        await waitFor(async () => (await healthy()) && !(await masterPorts()).includes(port), { what: `a replica to take over from the master on ${port}`, timeoutMs: 30_000, intervalMs: 100 });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
