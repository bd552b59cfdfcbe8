/**
 * A TCP proxy on loopback between the apps and Postgres, so the drill can cut their
 * database connections without touching the server other tests use.
 *
 * `cut('reset')`: every open connection is reset and new ones are refused at once,
 * as when Postgres restarts. `cut('blackhole')`: open connections stop carrying bytes
 * and new ones are accepted but never answered, as in a network partition.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';
import { once } from 'node:events';

export type CutMode = 'reset' | 'blackhole';

export interface PgProxy {
  port: number;
  /** The connections opened through the proxy so far. */
  connections(): number;
  cut(mode: CutMode): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startPgProxy(target: { host: string; port: number }): Promise<PgProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let mode: CutMode | null = null;
  let opened = 0;

  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'blackhole') {
      // Held open, never answered: the client's connect timeout has to notice.
      const held = { client, upstream: client };
      pairs.add(held);
      client.on('close', () => pairs.delete(held));
      return;
    }
    opened++;
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as { port: number }).port,
    connections: () => opened,
    cut(next) {
      mode = next;
      for (const pair of pairs) {
        if (next === 'reset') {
          pair.client.resetAndDestroy();
          pair.upstream.destroy();
        } else {
          // Stop both directions without closing anything.
          pair.client.unpipe(pair.upstream);
          pair.upstream.unpipe(pair.client);
          pair.client.pause();
          pair.upstream.pause();
        }
      }
      if (next === 'reset') pairs.clear();
    },
    restore() {
      if (mode === 'blackhole') {
        // A partition that heals does not revive the connections that timed out in it;
        // what is still held is dropped, and the pools reconnect.
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        pairs.clear();
      }
      mode = null;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
