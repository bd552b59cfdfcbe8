/**
 * The world an API, worker or end-to-end test runs in: its own database, a loopback
 * EVM node with the registry deployed, a manifest host and an IPFS-style gateway, and
 * a queue prefix of its own on the shared Redis; plus the clients tests talk to the
 * API with (the test key, upload forms, JSON and raw-socket requests, a webhook sink).
 * Nothing here imports an app: tests start the API or the worker themselves.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { loadConfig, type Config } from '@vcq/config';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestDatabase } from './database.js';
import { startEvmNode } from './evm-node.js';
import { startIpfsGateway, startManifestServer } from './http-peers.js';
import { listenOnLoopback } from './loopback-server.js';
import { makeManifest } from './manifest.js';
import { testRedisUrl } from './services.js';

export type Hex = `0x${string}`;

export async function startWorld() {
  const [database, evm, manifests, gateway] = await Promise.all([
    createTestDatabase('vcq_api'),
    startEvmNode(),
    startManifestServer(),
    startIpfsGateway(),
  ]);
  const registry = await evm.deployRegistry();
  const [creator, stranger] = evm.accounts as [(typeof evm.accounts)[number], (typeof evm.accounts)[number]];
  const prefix = `t${randomUUID().slice(0, 8)}`;

  /** Config for an API or worker in this world; `env` overrides. */
  const config = (env: Record<string, string> = {}): Config =>
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      API_KEYS: 'test-key,second-key',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.VCQ_TEST_LOG_LEVEL ?? 'silent',
      RPC_URL: evm.url,
      IPFS_GATEWAY_URL: gateway.url,
      REGISTRY_ADDRESS: registry,
      JOB_BACKOFF_MS: '20',
      MANIFEST_FETCH_TIMEOUT_MS: '3000',
      RECONCILE_GRACE_MS: '0',
      WORKER_LOCK_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '10000',
      // One worker process, as before WORKER_PROCESSES; the multi-process tests ask for more.
      WORKER_PROCESSES: '1',
      // Tests poll hard; the rate-limit tests turn limiting on for their own API.
      RATE_LIMIT_POINTS: '0',
      // Manifest hosts, the gateway, webhook receivers and did:web peers all run on loopback.
      EGRESS_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      // Every test client shares 127.0.0.1, and some send many keyless requests on purpose.
      AUTH_FAILURE_RATE_LIMIT_POINTS: '0',
      ...env,
    });

  /** The same settings as environment variables, for child processes. */
  const env = (overrides: Record<string, string> = {}): Record<string, string> => {
    const c = config(overrides);
    return {
      NODE_ENV: 'test',
      DATABASE_URL: c.DATABASE_URL,
      REDIS_URL: c.REDIS_URL,
      QUEUE_PREFIX: c.QUEUE_PREFIX,
      API_KEYS: c.API_KEYS.join(','),
      HOST: c.HOST,
      PORT: String(c.PORT),
      RPC_URL: c.RPC_URL,
      IPFS_GATEWAY_URL: c.IPFS_GATEWAY_URL,
      REGISTRY_ADDRESS: c.REGISTRY_ADDRESS ?? '',
      JOB_BACKOFF_MS: String(c.JOB_BACKOFF_MS),
      MANIFEST_FETCH_TIMEOUT_MS: String(c.MANIFEST_FETCH_TIMEOUT_MS),
      RECONCILE_GRACE_MS: String(c.RECONCILE_GRACE_MS),
      WORKER_LOCK_MS: String(c.WORKER_LOCK_MS),
      WORKER_STALLED_INTERVAL_MS: String(c.WORKER_STALLED_INTERVAL_MS),
      SHUTDOWN_TIMEOUT_MS: String(c.SHUTDOWN_TIMEOUT_MS),
      WORKER_PROCESSES: String(c.WORKER_PROCESSES),
      EGRESS_ALLOW_PRIVATE_HOSTS: c.EGRESS_ALLOW_PRIVATE_HOSTS.join(','),
      AUTH_FAILURE_RATE_LIMIT_POINTS: String(c.AUTH_FAILURE_RATE_LIMIT_POINTS),
      ...overrides,
    };
  };

  /**
   * A file with its manifest hosted and (unless `register: false`) registered on
   * chain. `signer` signs the manifest; `onchainUri` is what the registry records.
   */
  const content = async (options: { signer?: typeof creator; register?: boolean; onchainUri?: string; manifestHash?: Hex } = {}) => {
    const bytes = randomBytes(2048);
    const hash = `0x${createHash('sha256').update(bytes).digest('hex')}` as Hex;
    const path = `/manifests/${randomUUID()}.json`;
    const manifestUri = `${manifests.url}${path}`;
    const manifest = await makeManifest({
      contentHash: options.manifestHash ?? hash,
      account: options.signer ?? creator,
      chainId: evm.chainId,
      contentUri: `ipfs://bafy${randomUUID().replaceAll('-', '')}`,
    });
    manifests.put(path, manifest);
    const tx = options.register === false ? null : await evm.register(registry, hash, options.onchainUri ?? manifestUri, creator);
    return { bytes, hash, path, manifestUri, manifest, tx };
  };

  /** Runs SQL against this world's database (for assertions on rows no route shows). */
  const sql = async <R extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as R[];
    } finally {
      await client.end();
    }
  };

  return {
    database,
    sql,
    evm,
    registry,
    manifests,
    gateway,
    creator,
    stranger,
    prefix,
    config,
    env,
    content,
    async close() {
      await Promise.allSettled([evm.close(), manifests.close(), gateway.close(), deleteKeys(`${prefix}:*`)]);
      await database.drop();
    },
  };
}

/** Empties this world's keys from the shared Redis (its queues are its own). */
async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(testRedisUrl());
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** A multipart upload like a user's: `file` plus form fields. */
export function uploadForm(bytes: Uint8Array, fields: Record<string, string> = {}, fileName = 'photo.jpg'): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([bytes]), fileName);
  return form;
}

export const auth = { 'x-api-key': 'test-key' };

/** A JSON answer's body, read loosely (tests index into it). */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON.
export type Json = Record<string, any>;

/**
 * `call(method, path, body?, headers?)` against the API at `baseUrl()` (read at each
 * call, so it can be set in a beforeAll) with the test key: JSON in and out.
 */
export function jsonClient(baseUrl: () => string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, type: res.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : null) as Json };
  };
}

/** An HTTP/1.1 answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes this client wrote. */
  written: number;
}

/**
 * Writes `request` as is on a new connection and reads until the server closes it. A
 * reset after the answer began still counts (a server that stops reading after a bad
 * part may reset); one before any answer rejects.
 */
export function rawExchange(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => (chunks.length === 0 ? reject(error) : undefined));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no complete HTTP answer: ${JSON.stringify(text)}`));
        return;
      }
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4), written: socket.bytesWritten });
    });
  });
}

/** A webhook receiver on loopback that answers 204 and keeps every JSON body it got. */
export async function startHookCollector() {
  const delivered: Json[] = [];
  const server = await listenOnLoopback((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      delivered.push(JSON.parse(raw) as Json);
      res.writeHead(204).end();
    });
  });
  return { url: server.url, delivered, close: () => server.close() };
}
