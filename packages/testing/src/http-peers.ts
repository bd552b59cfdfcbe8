import type { ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface PeerResponseOptions {
  /** HTTP status; 200 unless given. */
  status?: number;
  /** Defaults to application/json for objects and text/plain for strings and bytes. */
  contentType?: string;
  /** Hold the answer back this long (the timer is dropped if the client hangs up first). */
  delayMs?: number;
  /**
   * Write the body again and again, without a Content-Length, until the client hangs up;
   * for proving that a reader enforces its size cap while streaming.
   */
  endless?: boolean;
}

export interface ManifestServer {
  url: string;
  /** Serves `body` at `path`: strings and bytes as they are, anything else as JSON. */
  put(path: string, body: unknown, options?: PeerResponseOptions): void;
  /** Makes `path` answer `status` (500 unless given) with a short text body. */
  fail(path: string, status?: number): void;
  /** How many requests reached `path` (query strings ignored). */
  hits(path: string): number;
  close(): Promise<void>;
}

export interface IpfsGateway {
  url: string;
  /** Serves `body` at `/ipfs/<cid>/<path>` (or `/ipfs/<cid>` for an empty path). */
  add(cid: string, path: string, body: unknown, options?: PeerResponseOptions): void;
  hits(path: string): number;
  close(): Promise<void>;
}

interface Route {
  body: Buffer;
  contentType: string;
  status: number;
  delayMs: number;
  endless: boolean;
}

/** Starts a loopback HTTP server answering what the test `put`s; unknown paths get 404. */
export async function startManifestServer(): Promise<ManifestServer> {
  const peer = await startStaticPeer();
  return {
    url: peer.url,
    put: peer.put,
    fail: (path, status = 500) => peer.put(path, `failing on purpose with ${status}`, { status }),
    hits: peer.hits,
    close: peer.close,
  };
}

/** Starts a loopback IPFS gateway serving `/ipfs/<cid>/<path>` from content the test adds. */
export async function startIpfsGateway(): Promise<IpfsGateway> {
  const peer = await startStaticPeer();
  return {
    url: peer.url,
    add: (cid, path, body, options) => peer.put(`/ipfs/${cid}${path ? `/${path.replace(/^\/+/, '')}` : ''}`, body, options),
    hits: peer.hits,
    close: peer.close,
  };
}

async function startStaticPeer() {
  const routes = new Map<string, Route>();
  const hitCounts = new Map<string, number>();
  const pending = new Set<NodeJS.Timeout>();

  const server = await listenOnLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://peer').pathname;
    hitCounts.set(path, (hitCounts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`nothing at ${path}`);
      return;
    }
    if (route.delayMs <= 0) {
      void answer(res, route);
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(timer);
      void answer(res, route);
    }, route.delayMs);
    pending.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      pending.delete(timer);
    });
  });

  return {
    url: server.url,
    put(path: string, body: unknown, options: PeerResponseOptions = {}) {
      const isRaw = typeof body === 'string' || body instanceof Uint8Array;
      routes.set(normalisePath(path), {
        body: isRaw ? Buffer.from(body) : Buffer.from(JSON.stringify(body)),
        contentType: options.contentType ?? (isRaw ? 'text/plain; charset=utf-8' : 'application/json'),
        status: options.status ?? 200,
        delayMs: options.delayMs ?? 0,
        endless: options.endless ?? false,
      });
    },
    hits: (path: string) => hitCounts.get(normalisePath(path)) ?? 0,
    close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      return server.close();
    },
  };
}

function normalisePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

async function answer(res: ServerResponse, route: Route): Promise<void> {
  if (res.destroyed) return;
  if (!route.endless) {
    res.writeHead(route.status, { 'content-type': route.contentType, 'content-length': route.body.length }).end(route.body);
    return;
  }
  res.writeHead(route.status, { 'content-type': route.contentType });
  const chunk = route.body.length > 0 ? route.body : Buffer.from(' ');
  // Respect back-pressure so an endless body costs memory only as fast as the client reads.
  let closed = false;
  let wake: (() => void) | undefined;
  res.once('close', () => {
    closed = true;
    wake?.();
  });
  while (!closed && !res.destroyed) {
    if (res.write(chunk)) continue;
    await new Promise<void>((resolve) => {
      wake = resolve;
      res.once('drain', resolve);
    });
  }
}
