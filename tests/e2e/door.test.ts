/**
 * The door: nothing of a request's body is read before its caller is known, an
 * address that keeps failing authentication is refused before any key is looked at,
 * JSON nesting past the documented limit and text Postgres cannot store are 400s
 * before any route runs, and what cannot be refused there (claims inside a signed
 * credential) is still verified and stored readably. Raw sockets where an HTTP
 * client would not do what the test needs (send a head and hold the body back).
 */
import { createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApp, waitFor, auth, jsonClient, type Json, type RawAnswer, rawExchange, startHookCollector, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';

let world: World;
let api: ApiServer;
let worker: WorkerProcess;
let hooks: Awaited<ReturnType<typeof startHookCollector>>;

beforeAll(async () => {
  world = await startWorld();
  hooks = await startHookCollector();
  const config = world.config({ API_KEYS: 'test-key,reader-key:read', PREFER_WAIT_MAX_SECONDS: '20' });
  [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
});

afterAll(async () => {
  await Promise.allSettled([api?.close(), worker?.close(), hooks?.close()]);
  await world?.close();
});

const call = jsonClient(() => api.url);
const NUL = String.fromCharCode(0);

/**
 * Writes a request head declaring `contentLength` body bytes and never sends the
 * body; resolves once the server has closed the connection (a server that waited
 * for the body would leave this pending, and the test would time out).
 */
function headOnly(port: number, method: string, path: string, headers: Record<string, string>, contentLength: number): Promise<RawAnswer> {
  const head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries({ ...headers, 'content-length': String(contentLength) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return rawExchange(port, head);
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Json;
}

/** One request over node:http, optionally from a given local (loopback) address. */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw ? (JSON.parse(raw) as Json) : {} }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const jsonHeaders = { ...auth, 'content-type': 'application/json' };
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('nothing is read before the caller is known', () => {
  const bodyRoutes: Array<[string, string]> = [
    ['POST', '/api/credentials/issue'],
    ['POST', '/api/verification-jobs/verify'],
    ['POST', '/credentials/verify'],
    ['POST', '/queue/verification/clean'],
    ['POST', '/admin/vc-events/reset'],
    ['POST', '/users/vc/process-event'],
  ];

  it('when a request without a valid key declares a large body and sends only its head, then it gets 401 and the server closes the connection without reading on', { timeout: 20_000 }, async () => {
    for (const [method, path] of bodyRoutes) {
      for (const key of [{}, { 'x-api-key': 'not-a-key-at-all' }] as Array<Record<string, string>>) {
        const answer = await headOnly(api.port, method, path, { 'content-type': path.includes('verification-jobs') ? 'multipart/form-data; boundary=x' : 'application/json', ...key }, 50 * 1024 * 1024);
        expect(answer.status, `${method} ${path}`).toBe(401);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(answer.headers.connection).toBe('close');
        expect(JSON.parse(answer.body)).toMatchObject({ status: 401, type: 'urn:vcq:problem:unauthorized' });
        // The answer came, and the server hung up, while not one byte of the body existed.
        expect(answer.written).toBeLessThan(400);
      }
    }
  });

  it('when clients without a key are still sending their bodies, then each reads its 401 instead of a broken connection', { timeout: 60_000 }, async () => {
    // In its own process, as in production: an API sharing the client's event loop
    // cannot answer while the client is still writing, which is what this is about.
    const child = spawnApp('api', world.env({ LOG_LEVEL: 'info' }));
    try {
      const listening = await child.waitForLine(/api listening/);
      const base = `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
      const answers: string[] = [];
      for (let i = 0; i < 40; i++) {
        const form = new FormData();
        form.set('manifestURI', 'https://example.org/m.json');
        form.set('file', new Blob([randomBytes(512 * 1024)]), 'photo.jpg');
        try {
          const res = await fetch(`${base}/api/verification-jobs/verify`, { method: 'POST', body: form });
          answers.push(`${res.status} ${res.headers.get('connection')} ${((await res.json()) as Json).type}`);
        } catch (error) {
          // What a server that closes outright does to a client still writing (EPIPE, reset).
          answers.push(`no answer: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`);
        }
      }
      expect(answers).toEqual(Array(40).fill('401 close urn:vcq:problem:unauthorized'));
    } finally {
      child.kill('SIGTERM');
      await child.exited;
    }
  });

  it('when a client keeps sending a refused body after the answer, then the server stops listening after a bounded amount, not the whole body', { timeout: 30_000 }, async () => {
    const declared = 200 * 1024 * 1024;
    const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve) => {
      let sent = 0;
      let status = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      const socket = connect(api.port, '127.0.0.1', () => {
        socket.write(`POST /api/credentials/issue HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`);
      });
      const pump = () => {
        while (sent < declared && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      socket.once('data', (answer: Buffer) => {
        status = Number(answer.toString('latin1').split(' ')[1]);
        pump();
      });
      // The server's reset ends the writing; either event is the end of the connection.
      socket.on('error', () => socket.destroy());
      socket.on('close', () => resolve({ status, sent }));
    });
    expect(status).toBe(401);
    // Kernel buffers take a few MiB before a write blocks; Node kept alive would read all 200.
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });

  it('when a key lacks the scope, or the route is public or unknown, then a pending body is not read either', { timeout: 20_000 }, async () => {
    const denied = await headOnly(api.port, 'POST', '/api/dids', { 'content-type': 'application/json', 'x-api-key': 'reader-key' }, 10 * 1024 * 1024);
    expect(denied.status).toBe(403);
    expect(denied.headers.connection).toBe('close');
    for (const path of ['/healthz', '/no/such/route', '/status-lists/x']) {
      const answer = await headOnly(api.port, 'POST', path, { 'content-type': 'application/json' }, 10 * 1024 * 1024);
      expect(answer.status, path).toBe(404);
      expect(answer.headers.connection).toBe('close');
    }
  });

  it('when an authenticated request has sent its body, then it is parsed and the connection is kept for the next request', async () => {
    const res = await send(`${api.url}/api/dids`, { method: 'POST', headers: { ...jsonHeaders, connection: 'keep-alive' }, body: JSON.stringify({ method: 'key' }) });
    expect(res.status).toBe(202);
    expect(res.headers.connection).toBe('keep-alive');
    const refused = await send(`${api.url}/api/dids`, { method: 'POST', headers: { ...jsonHeaders, connection: 'keep-alive' }, body: JSON.stringify({ method: 'nope' }) });
    expect(refused.status).toBe(400);
    expect(refused.headers.connection).toBe('keep-alive');
  });
});

describe('JSON nesting is limited at the door', () => {
  it('when claims nest 5,000 levels deep, then 400 names the limit of 64 and no job is created', async () => {
    const [before] = await world.sql<{ n: string }>('SELECT count(*) AS n FROM jobs');
    const claims = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const res = await send(`${api.url}/api/credentials/issue`, {
      method: 'POST',
      headers: jsonHeaders,
      body: `{"issuerDid":"did:key:z6Mk","subjectDid":"did:example:1","credentialType":"X","claims":${claims}}`,
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('64');
    expect(res.body.errors).toEqual([{ field: '(body)', message: expect.stringContaining('64 levels') }]);
    const [after] = await world.sql<{ n: string }>('SELECT count(*) AS n FROM jobs');
    expect(after?.n).toBe(before?.n);
  });

  it('when 500,000 levels arrive, then without a key they are refused before their body is sent, with one in a single pass, while /healthz keeps answering', { timeout: 30_000 }, async () => {
    const deep = nested(500_000);
    const started = performance.now();
    const [keyless, health] = await Promise.all([
      headOnly(api.port, 'POST', '/api/credentials/issue', { 'content-type': 'application/json' }, Buffer.byteLength(deep)),
      send(`${api.url}/healthz`),
    ]);
    expect(keyless.status).toBe(401);
    expect(keyless.headers.connection).toBe('close');
    expect(health.status).toBe(200);
    const keylessMs = performance.now() - started;

    const keyedStart = performance.now();
    const [keyed, healthDuring] = await Promise.all([send(`${api.url}/api/credentials/issue`, { method: 'POST', headers: jsonHeaders, body: deep }), send(`${api.url}/healthz`)]);
    expect(keyed.status).toBe(400);
    expect(keyed.body.detail).toContain('deeper than 64 levels');
    expect(healthDuring.status).toBe(200);
    // For whoever reads the log: relative costs, not a timed assertion.
    console.log(`door: 500,000 levels keyless answered in ${keylessMs.toFixed(1)} ms (body never sent); with a key (1 MB sent and scanned) ${(performance.now() - keyedStart).toFixed(1)} ms`);
  });

  it('when any other JSON route gets nesting past the limit, then it is the same 400', async () => {
    const body = JSON.stringify({ x: JSON.parse(nested(64)) });
    for (const [path, headers] of [
      ['/api/dids', jsonHeaders],
      ['/credentials/issue', jsonHeaders],
      ['/queue/verification/clean', jsonHeaders],
      ['/admin/vc-events/reset', jsonHeaders],
      ['/users/vc/process-event', jsonHeaders],
      ['/api/dids/did%3Akey%3Az6Mk/deactivate', jsonHeaders],
    ] as const) {
      const res = await send(`${api.url}${path}`, { method: 'POST', headers, body });
      expect(res.status, path).toBe(400);
      expect(res.body.detail, path).toContain('deeper than 64 levels');
    }
  });

  it('when a JSON body declares a charset other than UTF-8, then 415 (RFC 8259 JSON is UTF-8)', async () => {
    const res = await send(`${api.url}/api/dids`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from('{"method":"key"}', 'utf16le') });
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('text Postgres cannot store is refused at the door', () => {
  const refused = (res: { status: number; body: Json }, field: string) => {
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field, message: 'must not contain NUL characters or unpaired UTF-16 surrogates' }]);
  };

  it('when a JSON body holds NUL or a lone surrogate in a key or a value at any depth, on any route, then 400 names the field', async () => {
    const cases: Array<[string, string, string]> = [
      ['/api/dids', '{"method":"key","extra":{"a":[{"k\\u0000":1}]}}', 'extra.a.0.k\ufffd'],
      ['/api/dids', '{"method":"key","extra":[[["x\\ud800"]]]}', 'extra.0.0.0'],
      ['/api/credentials/issue', '{"issuerDid":"did:key:z","subjectDid":"did:x:1","credentialType":"X","claims":{"deep":{"er":"\\udc00"}}}', 'claims.deep.er'],
      ['/credentials/issue', '{"credential":{"credentialSubject":{"\\ud800":1}}}', 'credential.credentialSubject.\ufffd'],
      ['/queue/verification/clean', '{"grace":0,"status":"completed\\u0000"}', 'status'],
      ['/users/vc/process-event', '{"vc_public_id":"x\\u0000"}', 'vc_public_id'],
    ];
    for (const [path, body, field] of cases) {
      const res = await send(`${api.url}${path}`, { method: 'POST', headers: jsonHeaders, body });
      expect(res.status, `${path} ${body}`).toBe(400);
      refused(res, field);
    }
  });

  it('when a query string, a form field or a path parameter decodes to NUL, then 400, public routes included', async () => {
    refused(await call('GET', '/api/verification-jobs?status=%00'), 'status');
    refused(await call('GET', '/admin/tasks/reconcile/runs?jobId=run%00x'), 'jobId');
    refused(await call('GET', '/api/credentials/urn%3Auuid%3A%00'), 'path');
    refused(await call('GET', '/api/jobs/%00'), 'path');
    refused(await call('POST', '/api/dids/did%3Akey%3Az%00/update', { rotateKey: true }), 'path');
    const publicList = await fetch(`${api.url}/status-lists/%00`);
    refused({ status: publicList.status, body: (await publicList.json()) as Json }, 'path');

    const content = await world.content();
    for (const [name, value, field] of [
      ['manifestURI', `${content.manifestUri}${NUL}`, 'manifestURI'],
      // A field no route reads is checked all the same: the check is the form's, not a route's.
      ['note', `y${NUL}`, 'note'],
    ] as const) {
      const form = new FormData();
      form.set('manifestURI', content.manifestUri);
      form.set(name, value);
      form.set('file', new Blob([content.bytes]), 'photo.jpg');
      const res = await fetch(`${api.url}/api/verification-jobs/verify`, { method: 'POST', headers: auth, body: form });
      refused({ status: res.status, body: (await res.json()) as Json }, field);
    }
  });
});

describe('what the door cannot refuse is stored safely', () => {
  /** A did:key vcq knows (imported from a seed) and a signer for VC-JWTs from it, made here as any issuer would. */
  const issuer = async () => {
    const seed = randomBytes(32);
    const imported = await call('POST', '/api/dids', { method: 'key', seedHex: seed.toString('hex') });
    expect(imported.status).toBe(201);
    const did = imported.body.result.did as string;
    // PKCS#8 for an Ed25519 seed: a fixed 16-byte prefix, then the 32 bytes.
    const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return (claims: Record<string, unknown> | string) => {
      const header = part({ alg: 'EdDSA', typ: 'JWT', kid: `${did}#${did.slice('did:key:'.length)}` });
      const subject = typeof claims === 'string' ? claims : JSON.stringify({ id: 'did:example:holder', ...claims });
      const payload = Buffer.from(
        `{"iss":${JSON.stringify(did)},"sub":"did:example:holder","nbf":${Math.floor(Date.now() / 1000) - 10},"jti":"urn:uuid:${randomUUID()}","vc":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"credentialSubject":${subject}}}`,
      ).toString('base64url');
      const signature = sign(null, Buffer.from(`${header}.${payload}`), key).toString('base64url');
      return { did, jwt: `${header}.${payload}.${signature}` };
    };
  };

  it('when a signed VC-JWT carries NUL and a lone surrogate in its claims, then its verification through the queue completes valid, readable, and its webhook is delivered', async () => {
    const signed = (await issuer())({ note: `a${NUL}b`, [`k${NUL}`]: 'x\ud800y', nested: { deeper: ['\udc00'] } });
    const res = await call('POST', '/api/credentials/verify', { vcJwt: signed.jwt, callbackUrl: `${hooks.url}/verified` });
    expect(res.status).toBe(202);
    const jobId = res.body.jobId as string;
    await waitFor(async () => (await call('GET', `/api/jobs/${jobId}`)).body.status === 'completed', { timeoutMs: 15_000, what: 'the verification to complete' });
    const job = (await call('GET', `/api/jobs/${jobId}`)).body;
    const claims = { note: 'a\ufffdb', 'k\ufffd': 'x\ufffdy', nested: { deeper: ['\ufffd'] } };
    expect(job).toMatchObject({ status: 'completed', error: null, attempt: 1, result: { valid: true, error: null, issuer: signed.did, claims } });
    await waitFor(() => hooks.delivered.some((event) => event.jobId === jobId), { timeoutMs: 15_000, what: 'the vc.verified webhook' });
    expect(hooks.delivered.find((event) => event.jobId === jobId)).toMatchObject({ event: 'vc.verified', data: { valid: true, claims } });
  });

  it('when a signed VC-JWT nests its claims 10,000 levels deep, then its verification completes as malformed instead of failing to be recorded', async () => {
    const signed = (await issuer())(`{"id":"did:example:holder","deep":${`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`}}`);
    const res = await call('POST', '/api/credentials/verify', { vcJwt: signed.jwt }, { prefer: 'wait=15' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', result: { valid: false, error: 'malformed', claims: null } });
  });
});

describe('failed authentications are limited per client address', () => {
  const POINTS = 5;
  let limited: ApiServer;
  let proxied: ApiServer;

  beforeAll(async () => {
    const env = { AUTH_FAILURE_RATE_LIMIT_POINTS: String(POINTS), AUTH_FAILURE_RATE_LIMIT_WINDOW_SECONDS: '600' };
    [limited, proxied] = await Promise.all([startApi(world.config(env)), startApi(world.config({ ...env, TRUST_PROXY: 'loopback' }))]);
  });

  afterAll(async () => {
    await Promise.allSettled([limited?.close(), proxied?.close()]);
  });

  const stats = (server: ApiServer, localAddress: string, headers: Record<string, string> = {}) =>
    send(`${server.url}/api/verification-jobs/stats`, { headers, localAddress });

  it('when one address floods keyless and bad-key requests, then it gets 429 after its failures, while an authenticated client keeps getting 200', async () => {
    const flood: number[] = [];
    const authenticated: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 4 * POINTS; i++) {
      last = await stats(limited, '127.0.0.2', i % 2 === 0 ? {} : { 'x-api-key': `wrong-key-${i}` });
      flood.push(last.status);
      authenticated.push((await stats(limited, '127.0.0.1', auth)).status);
    }
    expect(flood).toEqual([...Array(POINTS).fill(401), ...Array(3 * POINTS).fill(429)]);
    expect(authenticated.every((status) => status === 200)).toBe(true);
    expect(last?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(last?.body).toMatchObject({ status: 429, type: 'urn:vcq:problem:rate_limited' });
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    // Refused before the key is looked at: from the blocked address even a valid key waits out the window.
    expect((await stats(limited, '127.0.0.2', auth)).status).toBe(429);
  });

  it('when a client with a valid key makes many requests, then the failure limit never counts them', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3 * POINTS; i++) statuses.push((await stats(limited, '127.0.0.3', auth)).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it('when X-Forwarded-For is sent, then it is ignored unless TRUST_PROXY names the proxy, and then it names the client', async () => {
    // Not trusted (the default): a flooder cannot dodge the count by naming other addresses.
    const spoofed: number[] = [];
    for (let i = 0; i < POINTS + 2; i++) spoofed.push((await stats(limited, '127.0.0.4', { 'x-forwarded-for': `198.51.100.${i + 1}` })).status);
    expect(spoofed).toEqual([...Array(POINTS).fill(401), 429, 429]);

    // Behind a trusted loopback proxy each forwarded client has its own count.
    const through = (client: string, headers: Record<string, string> = {}) => stats(proxied, '127.0.0.5', { 'x-forwarded-for': client, ...headers });
    for (let i = 0; i < POINTS; i++) expect((await through('203.0.113.7')).status).toBe(401);
    expect((await through('203.0.113.7')).status).toBe(429);
    expect((await through('203.0.113.8')).status).toBe(401);
    expect((await through('203.0.113.8', auth)).status).toBe(200);
  });
});
