/**
 * A stand-in for an internal TCP service (Redis, a database, an admin port) on
 * loopback: it counts connections and greets each with a banner, so a test can prove
 * that vcq never connected to it, or that none of its bytes reached a caller.
 */
import { createServer, type Socket } from 'node:net';

export interface TcpService {
  /** `127.0.0.1` (or the host given). */
  host: string;
  port: number;
  /** How many connections were accepted so far. */
  connections(): number;
  /** Everything clients sent, in order of arrival. */
  received(): Buffer;
  close(): Promise<void>;
}

export interface TcpServiceOptions {
  /** 127.0.0.1 unless given (any loopback address works on Linux, e.g. 127.0.0.2). */
  host?: string;
  /** An OS-chosen port unless given. */
  port?: number;
}

/** Listens on loopback and writes `banner` to every client that connects. */
export async function startTcpService(banner: string, options: TcpServiceOptions = {}): Promise<TcpService> {
  const host = options.host ?? '127.0.0.1';
  let count = 0;
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write(banner);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    host,
    port,
    connections: () => count,
    received: () => Buffer.concat(chunks),
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
