/**
 * A vcq "host" for tests: its own database, a credentials service whose
 * PUBLIC_BASE_URL is a real loopback server, and that server serving what vcq
 * publishes (did:web documents, status lists) and the VC API endpoints, so another
 * service can treat it as a different host.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDb, type Db } from '@vcq/db';
import { createEgressClient, type EgressClient } from '@vcq/egress';
import { AppError, ValidationError } from '@vcq/errors';
import { createTestDatabase, listenOnLoopback } from '@vcq/testing';
import { Resolver } from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import {
  type CredentialsService,
  type CredentialsServiceDeps,
  createCredentialsService,
  vcApi,
} from '../src/index.js';

export interface VcqHost {
  db: Db;
  service: CredentialsService;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `127.0.0.1:<port>`. */
  host: string;
  keyEncryptionKey: Buffer;
  /** Paths of every request the host's server received. */
  requests: string[];
  /** Another service over the same database, with its own clock or settings. */
  withDeps(overrides: Partial<CredentialsServiceDeps>): CredentialsService;
  close(): Promise<void>;
}

export interface VcqHostOptions {
  didWebAllowHttpHosts?: string[];
  issuerBackend?: CredentialsServiceDeps['issuerBackend'];
  /** Required as `Authorization: Bearer` on the VC API endpoints when set. */
  vcApiToken?: string;
}

/** Starts a vcq host on loopback with a fresh, migrated database. */
export async function startVcqHost(options: VcqHostOptions = {}): Promise<VcqHost> {
  const database = await createTestDatabase('vcq_credentials');
  const db = createDb(database.url, { poolSize: 8 });
  const keyEncryptionKey = randomBytes(32);
  const requests: string[] = [];
  let service: CredentialsService | undefined;

  const server = await listenOnLoopback((req, res) => {
    requests.push(new URL(req.url ?? '/', 'http://host').pathname);
    if (!service) return void res.writeHead(503).end();
    serve(service, options, req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  const baseDeps: CredentialsServiceDeps = {
    db,
    keyEncryptionKey,
    publicBaseUrl: server.url,
    didWebAllowHttpHosts: options.didWebAllowHttpHosts ?? [],
    fetchTimeoutMs: 5_000,
    egress: loopbackEgress(),
    issuerBackend: options.issuerBackend,
  };
  service = createCredentialsService(baseDeps);

  return {
    db,
    service,
    url: server.url,
    host: new URL(server.url).host,
    keyEncryptionKey,
    requests,
    withDeps: (overrides) => createCredentialsService({ ...baseDeps, ...overrides }),
    async close() {
      await server.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}

async function serve(service: CredentialsService, options: VcqHostOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://host').pathname;
  if (req.method === 'GET' && path.endsWith('/did.json')) {
    const segments = path === '/.well-known/did.json' ? [] : path.slice(1, -'/did.json'.length).split('/');
    const document = await service.dids.webDocument(segments).catch((error: unknown) => {
      if (error instanceof AppError && error.status === 410) return 'gone' as const;
      throw error;
    });
    if (document === 'gone') return void res.writeHead(410).end();
    if (!document) return void res.writeHead(404).end();
    return void res.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify(document));
  }
  const list = /^\/status-lists\/([^/]+)$/.exec(path);
  if (req.method === 'GET' && list?.[1]) {
    const published = await service.credentials.statusListCredential(list[1]);
    if (!published) return void res.writeHead(404).end();
    return void res.writeHead(200, { 'content-type': published.mediaType }).end(published.credential);
  }
  if (req.method === 'POST' && (path === '/credentials/issue' || path === '/credentials/verify')) {
    if (options.vcApiToken && req.headers.authorization !== `Bearer ${options.vcApiToken}`) {
      return problem(res, 401, 'Unauthorized', 'a bearer token is required');
    }
    // As vcq's route does: the checks that need JSON-LD before the issuance.
    const issueVcApi = async (input: ReturnType<typeof vcApi.issueRequestToInput>) => {
      await vcApi.assertIssuable(input);
      return service.credentials.issue(input);
    };
    try {
      const body: unknown = JSON.parse(await readBody(req));
      const answer =
        path === '/credentials/issue'
          ? vcApi.issueResponse(await issueVcApi(vcApi.issueRequestToInput(body)))
          : vcApi.verifyResponse(await service.credentials.verify(vcApi.verifyRequestToInput(body)));
      return void res.writeHead(path === '/credentials/issue' ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    } catch (error) {
      if (error instanceof AppError) return problem(res, error.status, error.code, error.message, error instanceof ValidationError ? error.errors : undefined);
      throw error;
    }
  }
  res.writeHead(404).end();
}

function problem(res: ServerResponse, status: number, title: string, detail: string, errors?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title, status, detail, errors }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An egress client that lets loopback through, as the test hosts all live there. */
export function loopbackEgress(overrides: Partial<Parameters<typeof createEgressClient>[0]> = {}): EgressClient {
  return createEgressClient({ allowPrivateHosts: ['127.0.0.1'], timeoutMs: 5_000, maxBytes: 4 * 1024 * 1024, ...overrides });
}

/** An ordinary did:key resolver (did-resolver + key-did-resolver), independent of vcq. */
export function keyDidResolver(): Resolver {
  return new Resolver(getKeyResolver());
}

/** Re-encodes `jwt` with `change` applied to its payload, keeping the original signature. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into nested JWT claims to tamper with them.
export function tamperPayload(jwt: string, change: (payload: Record<string, any>) => void): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  change(decoded);
  return `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
}

/** The decoded header and payload of a JWT. */
// biome-ignore lint/suspicious/noExplicitAny: tests compare decoded claims of any shape.
export function decodeParts(jwt: string): { header: Record<string, any>; payload: Record<string, any> } {
  const [header, payload] = jwt.split('.') as [string, string];
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

