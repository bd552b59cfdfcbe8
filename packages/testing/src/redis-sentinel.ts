/**
 * A throwaway Redis with Sentinel for tests: a master, a replica and three Sentinels
 * (quorum 2) on free loopback ports, each a `redis-server` process, nothing kept once
 * stopped.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from './processes.js';
import { RedisGroup, redisCli as cli } from './redis-group.js';

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
  const group = await RedisGroup.create('redis-sentinel');
  const dir = group.dir;
  const stop = () => group.stop();
  try {
    const plain = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir];
    const masterPort = await group.start((port) => ['--port', String(port), ...plain]);
    const replicaPort = await group.start((port) => ['--port', String(port), ...plain, '--replicaof', '127.0.0.1', String(masterPort)]);
    await waitFor(async () => /master_link_status:up/.test(await cli(replicaPort, 'info', 'replication')), { what: 'the replica to sync', timeoutMs: 15_000, intervalMs: 100 });
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const file = (port: number) => join(dir, `sentinel-${port}.conf`);
      sentinelPorts.push(
        await group.start((port) => [file(port), '--sentinel'], {
          prepare: (port) =>
            writeFile(
              file(port),
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
        await group.kill(port);
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
