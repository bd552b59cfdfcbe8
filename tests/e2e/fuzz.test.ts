/**
 * Bad input, generated: fast-check sends well over a thousand requests across every
 * route of the OpenAPI document (so a new route is covered without touching this
 * file) to a real API process with a worker, Postgres and Redis behind it. Wrong
 * types, missing fields, huge strings, odd unicode, injection strings, wrong content
 * types, malformed JSON and multipart, JSON nested far past the limit, text Postgres
 * cannot store (NUL, lone surrogates) as keys and values at any depth of JSON bodies,
 * query strings and form fields, bad path parameters and bad headers must all be
 * answered below 500, every non-2xx as problem+json, without the process dying and
 * without leaving half-written rows; and a request carrying unstorable text or
 * nesting past the limit is never accepted.
 *
 * Reproduce a run with FUZZ_SEED=<seed printed by the failing run> (FUZZ_RUNS sets
 * the number of requests).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnApp, type VcqProcess, waitFor, auth, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { exceedsJsonDepth } from '@vcq/http';
import { buildOpenApiDocument } from '../../apps/api/src/openapi/document.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are generated, so they are read loosely
type Json = Record<string, any>;
/** What fetch accepts as a body (the DOM lib's BodyInit is not in this project's types). */
type RequestBody = NonNullable<RequestInit['body']>;

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);
const KEY = auth['x-api-key'];
const REQUEST_TIMEOUT_MS = 10_000;

let world: World;
let apiProcess: VcqProcess;
let worker: WorkerProcess;
let base: string;
let issuerDid: string;
const knownJobIds: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  const env = {
    LOG_LEVEL: 'info',
    PREFER_WAIT_MAX_SECONDS: '2',
    WEBHOOK_TIMEOUT_MS: '500',
    WEBHOOK_RETRY_SCHEDULE_MS: '10',
    MAX_UPLOAD_BYTES: String(256 * 1024),
    JSON_BODY_LIMIT: '256kb',
    API_KEYS: `${KEY},reader-key-0001:read`,
    // Every generated request comes from 127.0.0.1, a quarter of them without a valid key.
    AUTH_FAILURE_RATE_LIMIT_POINTS: '0',
  };
  apiProcess = spawnApp('api', world.env(env));
  const listening = await apiProcess.waitForLine(/api listening/);
  base = `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
  worker = await startWorker(world.config({ ...env, LOG_LEVEL: process.env.VCQ_TEST_LOG_LEVEL ?? 'silent' }));

  // Something real to point at: an issuer vcq controls, and jobs that exist.
  const imported = await send({ method: 'POST', path: '/api/dids', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ method: 'key', seedHex: randomBytes(32).toString('hex') }) });
  issuerDid = (JSON.parse(imported.text) as Json).result.did;
  for (let i = 0; i < 3; i++) {
    const res = await send({
      method: 'POST',
      path: '/api/credentials/issue',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ issuerDid, subjectDid: `did:example:${i}`, credentialType: 'FuzzCredential', claims: { i } }),
    });
    knownJobIds.push((JSON.parse(res.text) as Json).jobId);
  }
});

afterAll(async () => {
  await worker?.close();
  if (apiProcess && apiProcess.child.exitCode === null) {
    apiProcess.kill('SIGTERM');
    await apiProcess.exited;
  }
  await world?.close();
});

// --- The routes, from the OpenAPI document ------------------------------------------

interface Operation {
  method: string;
  /** OpenAPI template: `/api/jobs/{id}`. */
  path: string;
  operationId: string;
  pathParams: string[];
  queryParams: string[];
  body: { mediaType: string; properties: string[] } | null;
  auth: boolean;
  /** Documents a 502: it calls a peer (RPC node, manifest or DID host) inside the request. */
  upstream: boolean;
}

function operations(): Operation[] {
  const doc = buildOpenApiDocument() as Json;
  const resolve = (schema: Json | undefined): Json => {
    if (!schema?.$ref) return schema ?? {};
    return doc.components.schemas[(schema.$ref as string).split('/').pop() as string] ?? {};
  };
  const list: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).map((p: Json) => (p.$ref ? doc.components.parameters[(p.$ref as string).split('/').pop() as string] : p)) as Json[];
      const content = op.requestBody?.content as Record<string, Json> | undefined;
      const mediaType = content ? (Object.keys(content)[0] as string) : null;
      list.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: mediaType && content ? { mediaType, properties: Object.keys(resolve(content[mediaType]?.schema).properties ?? {}) } : null,
        auth: (op.security ?? []).length > 0,
        upstream: Object.hasOwn(op.responses ?? {}, '502'),
      });
    }
  }
  return list;
}

// --- Generators ---------------------------------------------------------------------

const injections = [
  "' OR '1'='1",
  "'; DROP TABLE jobs; --",
  '"; SELECT pg_sleep(5); --',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as is
  '${7*7}',
  '{{constructor.constructor("return process")()}}',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '\u0000',
  '__proto__',
  'constructor',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:5432/',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'ipfs://',
  'ipfs://../../x',
  '\r\nSet-Cookie: x=1',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ud83d\ude00\u0301\u200d\ufe0f',
  '\ud800',
  'Ａ'.repeat(50),
];

const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...injections),
  fc.integer({ min: 1_000, max: 60_000 }).map((n) => 'x'.repeat(n)),
  // Node itself refuses more than 16 KiB of request line and headers (431), before any vcq code runs.
  fc.constantFrom('', ' ', 'null', 'undefined', 'NaN', '-1', '1e309', '0x', 'did:', 'did:key:', 'did:web:example.com'),
);

// Text Postgres cannot store: NUL and UTF-16 surrogates without their pair.
const NUL = String.fromCharCode(0);
const unstorable = fc.constantFrom(NUL, `a${NUL}b`, '\ud800', 'x\udc00y', `\udbff${NUL}`, '\udfff\ud800');

/** A value with unstorable text as a key or a value, 1 to 12 levels down objects and arrays. */
const unstorableAtDepth = fc.tuple(fc.integer({ min: 1, max: 12 }), unstorable, fc.boolean(), fc.boolean()).map(([depth, bad, asKey, arrays]) => {
  let value: unknown = asKey ? { [bad]: 1 } : bad;
  for (let i = 0; i < depth; i++) value = arrays && i % 2 === 1 ? [value] : { [`level${i}`]: value };
  return value;
});

/** Raw JSON nested past the limit (64): up to 100,000 arrays or 40,000 objects, under the fuzz's 256 kB body limit. */
const deepJson = fc.oneof(
  fc.integer({ min: 65, max: 100_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 65, max: 40_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
);

const validish = () =>
  fc.constantFrom<unknown>(
    issuerDid,
    `did:web:127.0.0.1%3A1:a`,
    'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
    'did:example:123',
    'key',
    'web',
    ['issuers', 'acme'],
    'https://example.org/manifest.json',
    `0x${'ab'.repeat(20)}`,
    `0x${'ab'.repeat(32)}`,
    '2030-01-01T00:00:00Z',
    'UniversityDegreeCredential',
    { grade: 'A' },
    true,
    1000,
    0,
    'completed',
    'waiting',
  );

const anyValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: validish() },
    { weight: 3, arbitrary: weirdString },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: unstorableAtDepth },
    { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 53, -0, 1e308, null, [], {}, [[[]]], { $ne: null }, { __proto__: { polluted: true } }) },
  );

/** A JSON body: an object over the schema's own property names (some left out, some wrong), or anything at all. */
const jsonBody = (properties: string[]) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.subarray(properties),
          fc.dictionary(fc.oneof(fc.constantFrom(...(properties.length ? properties : ['x'])), weirdString, unstorable), anyValue(), { maxKeys: 3 }),
        )
        .chain(([keys, extra]) => fc.tuple(fc.constant(extra), ...keys.map((k) => anyValue().map((v) => [k, v] as const))))
        .map(([extra, ...pairs]) => JSON.stringify({ ...extra, ...Object.fromEntries(pairs) })),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    // Nesting past the limit, under one of the schema's own fields or as the whole body.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...(properties.length ? properties : ['x'])), deepJson, fc.boolean())
        .map(([key, deep, wrapped]) => (wrapped ? `{${JSON.stringify(key)}:${deep}}` : deep)),
    },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,2', 'nul', '{"a":1}}', '\u0000', '', '{"__proto__":{"x":1}}', `{"a":"${'\\u00'.repeat(3)}"}`) },
    { weight: 1, arbitrary: weirdString },
  );

/** A multipart body: random fields, a file or none (or two, or in the wrong field), or raw bytes that are not multipart at all. */
// Under 20 kB: a server that refuses an upload part-way (a field over its 8 KiB limit)
// answers and closes, and fetch, still writing a large body, reports EPIPE instead of
// the answer. Small bodies reach the same refusals without that race.
const formString = fc.oneof({ weight: 6, arbitrary: weirdString.filter((s) => s.length < 20_000) }, { weight: 1, arbitrary: unstorable });

const multipartBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        manifestURI: fc.option(fc.oneof(formString, fc.constantFrom('https://example.org/m.json', 'ipfs://bafy/m.json', 'ftp://x/y'))),
        registryAddress: fc.option(fc.oneof(formString, fc.constant(`0x${'ab'.repeat(20)}`))),
        callbackUrl: fc.option(formString),
        extra: fc.option(fc.tuple(fc.oneof(weirdString.filter((s) => s.length < 100), unstorable), formString)),
        file: fc.option(fc.uint8Array({ maxLength: 4096 })),
        fileField: fc.constantFrom('file', 'file', 'file', 'upload', ''),
        secondFile: fc.boolean(),
        fileName: fc.oneof(fc.constant('photo.jpg'), weirdString.filter((s) => s.length < 300)),
      })
      .map((r) => {
        const form = new FormData();
        if (r.manifestURI !== null) form.set('manifestURI', r.manifestURI);
        if (r.registryAddress !== null) form.set('registryAddress', r.registryAddress);
        if (r.callbackUrl !== null) form.set('callbackUrl', r.callbackUrl);
        if (r.extra) form.append(r.extra[0] || 'x', r.extra[1]);
        if (r.file) {
          form.append(r.fileField, new Blob([r.file]), r.fileName);
          if (r.secondFile) form.append('file', new Blob([r.file]), 'second.bin');
        }
        return { body: form as RequestBody, contentType: undefined as string | undefined };
      }),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('b0undary', '', '"x"', 'a'.repeat(100)), fc.constantFrom(
        '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
        '--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc\r\n--b0undary--',
        '--b0undary\r\nContent-Dispo',
        '--wrong\r\n\r\n',
        '--b0undary\r\n\r\n\r\n--b0undary--\r\n',
        `--b0undary\r\nContent-Disposition: form-data; name="manifestURI"\r\n\r\n${'x'.repeat(10_000)}\r\n--b0undary--\r\n`,
        '',
      ))
      .map(([boundary, raw]) => ({ body: raw as RequestBody, contentType: `multipart/form-data${boundary ? `; boundary=${boundary}` : ''}` as string | undefined })),
  },
  { weight: 1, arbitrary: fc.string().map((s) => ({ body: s as RequestBody, contentType: 'text/plain' as string | undefined })) },
);

const uuidLike = fc.oneof(fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'));

/** encodeURIComponent, with lone surrogates (which it refuses) replaced as a URL parser would. */
function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

/** A path parameter, already as it goes in the URL (mostly encoded; sometimes broken percent-encoding). */
const pathParam = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.oneof(weirdString.filter((s) => s.length < 500), uuidLike, fc.constantFrom(...knownJobIds, 'verification', 'vc-issuance', 'webhooks', 'nope', issuerDid)).map((s) => encodeSegment(s) || 'x') },
    { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%00', '..', '.', '%2e%2e', '%2F', 'a%2Fb', '%F0%9F%98%80', '%ED%A0%80') },
  );

const queryValue = fc.oneof(weirdString.filter((s) => s.length < 300), unstorable, fc.constantFrom('1', '0', '-5', '101', '1.5', 'completed', 'waiting', '999999999999', 'true'));

/** A latin-1 header value fetch can send (it refuses CR, LF and NUL and anything past U+00FF). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.constantFrom('', ' ', 'x'.repeat(3000), "' OR 1=1 --", 'wait=1', 'wait=0', 'wait=999999', 'wait=-1', 'wait="2"', 'respond-async, wait=1', 'handling=strict'),
);

const authHeaders = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Record<string, string>>({ 'x-api-key': KEY }) },
  { weight: 1, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${KEY}` }) },
  { weight: 1, arbitrary: fc.constant<Record<string, string>>({ 'x-api-key': 'reader-key-0001' }) },
  { weight: 1, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 1, arbitrary: headerValue.map((v) => ({ authorization: v })) },
  { weight: 1, arbitrary: headerValue.map((v) => ({ authorization: `Basic ${v}` })) },
  { weight: 1, arbitrary: headerValue.map((v) => ({ 'x-api-key': v })) },
);

const extraHeaders = fc.record(
  {
    'idempotency-key': fc.oneof(headerValue, fc.constantFrom('k1', 'k1', 'k2')),
    prefer: headerValue,
    'x-request-id': headerValue,
    accept: fc.constantFrom('*/*', 'text/html', 'application/xml', ''),
  },
  { requiredKeys: [] },
);

const jsonContentType = fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-16', 'application/ld+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '');

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: RequestBody;
}

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const params = fc.tuple(...op.pathParams.map(() => pathParam()));
  const query = fc.dictionary(fc.oneof(fc.constantFrom(...(op.queryParams.length ? op.queryParams : ['q'])), weirdString.filter((s) => s.length < 50), unstorable), queryValue, { maxKeys: 4 });
  const method = fc.oneof({ weight: 12, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'GET', 'POST') });
  let body: fc.Arbitrary<{ body?: RequestBody; contentType?: string | undefined }> = fc.constant({});
  if (op.body?.mediaType === 'multipart/form-data') body = multipartBody;
  else if (op.body) body = fc.tuple(jsonBody(op.body.properties), jsonContentType).map(([b, ct]) => ({ body: b, contentType: ct || undefined }));
  else if (op.method === 'POST') body = fc.option(jsonBody([])).map((b) => (b === null ? {} : { body: b, contentType: 'application/json' }));
  return fc.record({ params, query, method, body, auth: authHeaders, extra: extraHeaders }).map(({ params, query, method, body, auth: a, extra }) => {
    let path = op.path;
    op.pathParams.forEach((name, i) => {
      path = path.replace(`{${name}}`, params[i] as string);
    });
    const search = new URLSearchParams(query).toString();
    const headers: Record<string, string> = { ...a, ...extra };
    if (body.contentType) headers['content-type'] = body.contentType;
    return { method, path: search ? `${path}?${search}` : path, headers, ...(body.body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: body.body } : {}) };
  });
}

interface Answer {
  status: number;
  contentType: string;
  requestId: string | null;
  text: string;
}

async function send(req: FuzzRequest): Promise<Answer> {
  const res = await fetch(`${base}${req.path}`, { method: req.method, headers: req.headers, body: req.body ?? null, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const contentType = res.headers.get('content-type') ?? '';
  // An event stream stays open while its job runs: its headers are the answer.
  let text = '';
  if (contentType.startsWith('text/event-stream')) await res.body?.cancel();
  else text = await res.text();
  return { status: res.status, contentType, requestId: res.headers.get('x-request-id'), text };
}

/** Whether `value` holds unstorable text in a key or a value (it nests at most 64 deep here). */
function holdsUnstorable(value: unknown): boolean {
  const bad = (text: string) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text) || text.includes(NUL);
  if (typeof value === 'string') return bad(value);
  if (!value || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, child]) => bad(key) || holdsUnstorable(child));
}

/**
 * Why vcq must refuse `req` whoever sends it, or null: its URL decodes to NUL, its
 * JSON body (one vcq parses: a JSON media type) nests past 64 or holds unstorable
 * text, or one of its form fields does.
 */
function mustRefuse(req: FuzzRequest, op: Operation): string | null {
  if (req.path.includes('%00')) return 'NUL in the URL';
  const type = req.headers['content-type'] ?? '';
  if (typeof req.body === 'string' && /^application\/(json|[^;]*\+json)/.test(type)) {
    if (exceedsJsonDepth(Buffer.from(req.body))) return 'JSON nested past 64';
    try {
      if (holdsUnstorable(JSON.parse(req.body))) return 'unstorable text in the JSON body';
    } catch {
      return null;
    }
  }
  // A form is read only by the upload route it was made for; any other method (OPTIONS, say) never parses it.
  if (req.body instanceof FormData && req.method === op.method) {
    for (const [name, value] of req.body.entries()) if (holdsUnstorable(name) || (typeof value === 'string' && holdsUnstorable(value))) return 'unstorable text in a form field';
  }
  return null;
}

// --- The property -------------------------------------------------------------------

describe('bad input (fast-check)', () => {
  it('when every route gets generated bad requests, then none is a 5xx, every refusal is problem+json, and no row is half-written', async () => {
    // The seed is what reproduces a failure.
    console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
    const ops = operations();
    expect(ops.length).toBeGreaterThan(20);
    const before = await counts();
    const sent = new Map<string, number>();
    const statuses = new Map<number, number>();
    const acceptedJobIds = new Set<string>(knownJobIds);
    let vcApiRuns = 0;

    const property = fc.asyncProperty(
      fc.constantFrom(...ops).chain((op) => requestFor(op).map((req) => ({ op, req }))),
      async ({ op, req }) => {
        let answer: Answer;
        try {
          answer = await send(req);
        } catch (error) {
          // fetch itself refuses some generated requests (a header it cannot encode): nothing was sent.
          const cause = (error as { cause?: { message?: string; code?: string } }).cause;
          if (error instanceof TypeError && (!/fetch failed/.test(error.message) || cause?.code === 'UND_ERR_INVALID_ARG')) return;
          throw new Error(
            `${req.method} ${req.path.slice(0, 200)}: no answer (${(error as Error).message}${cause ? `: ${cause.code ?? ''} ${cause.message ?? ''}` : ''}); the API ${apiProcess.child.exitCode === null ? 'is up' : 'exited'}; its last lines:\n${apiProcess.lines.slice(-40).join('\n')}`,
          );
        }
        sent.set(op.operationId, (sent.get(op.operationId) ?? 0) + 1);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const where = `${req.method} ${req.path.slice(0, 200)} -> ${answer.status} ${answer.text.slice(0, 300)}`;
        // The one 5xx a request may earn: a 502 where the operation documents it, when a
        // peer it had to call in the request (a did:web host, a manifest host) is unreachable.
        const upstream = answer.status === 502 && op.upstream && answer.text.includes('urn:vcq:problem:upstream_failed');
        if (!upstream) expect(answer.status, where).toBeLessThan(500);
        const refuse = mustRefuse(req, op);
        if (refuse) expect(answer.status, `${where} (${refuse})`).toBeGreaterThanOrEqual(400);
        expect(answer.requestId, where).toBeTruthy();
        if (answer.status >= 300) {
          expect(answer.contentType, where).toMatch(/^application\/problem\+json/);
          const problem = JSON.parse(answer.text) as Json;
          expect(problem, where).toMatchObject({ status: answer.status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
          expect(answer.text, where).not.toMatch(/\n\s+at .+:\d+:\d+/);
        }
        if (answer.status < 300 && answer.contentType.startsWith('application/json')) {
          const body = JSON.parse(answer.text) as Json;
          if (typeof body.jobId === 'string') acceptedJobIds.add(body.jobId);
        }
        // A VC API answer from a job that ran: issued, verified, refused by the job (422), or a
        // credential that does not verify (400 with verified: false; a malformed request has no job).
        const notVerified = answer.status === 400 && answer.text.includes('"verified":false');
        if (op.path.startsWith('/credentials/') && req.method === 'POST' && ([200, 201, 422].includes(answer.status) || notVerified)) vcApiRuns++;
        // A paused queue would hold every later job of it: the fuzz pauses, the harness resumes.
        const paused = req.path.match(/^\/queue\/([^/?]+)\/pause/);
        if (paused && answer.status === 200) await send({ method: 'POST', path: `/queue/${paused[1]}/resume`, headers: auth });
      },
    );
    // Inputs earlier runs found, replayed first on every run.
    const op = (id: string) => ops.find((o) => o.operationId === id) as Operation;
    const json = { ...auth, 'content-type': 'application/json' };
    const examples: Array<[{ op: Operation; req: FuzzRequest }]> = [
      [{ op: op('deactivateDid'), req: { method: 'POST', path: '/api/dids/%00/deactivate', headers: auth } }],
      [{ op: op('issueCredential'), req: { method: 'POST', path: '/api/credentials/issue', headers: json, body: JSON.stringify({ issuerDid, subjectDid: 'did:example:1', credentialType: 'X', claims: { a: '\u0000' } }) } }],
      [{ op: op('issueCredential'), req: { method: 'POST', path: '/api/credentials/issue', headers: json, body: `{"issuerDid":"${issuerDid}","subjectDid":"did:example:1","credentialType":"X","claims":{"\\ud800":"\\udc00x"}}` } }],
      [{ op: op('vcApiIssue'), req: { method: 'POST', path: '/credentials/issue', headers: json, body: JSON.stringify({ credential: { issuer: issuerDid, credentialSubject: { id: 'did:example:1', x: '\u0000' } } }) } }],
      [{ op: op('getCredential'), req: { method: 'GET', path: '/api/credentials/urn%3Auuid%3A%00', headers: auth } }],
      // 5,000 levels of claims once answered 500 (JSON.stringify overflowed); 100,000 keyless levels were parsed before the 401.
      [{ op: op('issueCredential'), req: { method: 'POST', path: '/api/credentials/issue', headers: json, body: `{"issuerDid":"${issuerDid}","subjectDid":"did:example:1","credentialType":"X","claims":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}` } }],
      [{ op: op('issueCredential'), req: { method: 'POST', path: '/api/credentials/issue', headers: { 'content-type': 'application/json' }, body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` } }],
      [{ op: op('listVerificationJobs'), req: { method: 'GET', path: '/api/verification-jobs?status=%00', headers: auth } }],
    ];
    await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: true, examples });

    // What the run covered, for whoever reads the log.
    console.log(`fuzz: ${[...sent.values()].reduce((a, b) => a + b, 0)} requests over ${sent.size} operations; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(apiProcess.child.exitCode, 'the API process is still running').toBeNull();
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1000);
    for (const op of ops) expect(sent.get(op.operationId) ?? 0, `requests to ${op.operationId}`).toBeGreaterThan(0);

    // Every job the fuzz got accepted ends (nothing stuck between states).
    await waitFor(async () => (await counts()).open === 0, { timeoutMs: 30_000, what: 'every job to end' });
    const after = await counts();
    // Rows only for answers that said so: every returned job id has its row, and the rows
    // no answer named are the VC API's own (it answers with the credential, not a job id).
    const rows = await world.sql<{ id: string; queue: string }>(`SELECT id, queue FROM jobs WHERE queue NOT IN ('webhooks', 'maintenance', 'vc-events')`);
    const rowIds = new Set(rows.map((r) => r.id));
    for (const id of acceptedJobIds) expect(rowIds.has(id), `row for accepted job ${id}`).toBe(true);
    const unnamed = rows.filter((r) => !acceptedJobIds.has(r.id));
    expect(unnamed.every((r) => r.queue === 'vc-issuance' || r.queue === 'vc-verification')).toBe(true);
    expect(unnamed.length).toBeLessThanOrEqual(vcApiRuns);
    // Half-written rows: outcomes without their data, credentials without their job, and the reverse.
    const odd = await world.sql(
      `SELECT id, status FROM jobs
       WHERE (status = 'completed' AND (result IS NULL OR completed_at IS NULL OR progress <> 100))
          OR (status = 'failed' AND (error IS NULL OR completed_at IS NULL))
          OR (status IN ('processing', 'completed', 'failed') AND mode = 'async' AND attempt = 0)
          OR (status = 'queued' AND completed_at IS NOT NULL)`,
    );
    expect(odd).toEqual([]);
    expect(await world.sql(`SELECT c.id FROM credentials c LEFT JOIN jobs j ON j.id = c.id WHERE j.id IS NULL`)).toEqual([]);
    expect(await world.sql(`SELECT j.id FROM jobs j LEFT JOIN credentials c ON c.id = j.id WHERE j.name = 'issue-credential' AND j.status = 'completed' AND c.id IS NULL`)).toEqual([]);
    expect(await world.sql(`SELECT d.id FROM webhook_deliveries d LEFT JOIN jobs j ON j.id = d.source_job_id WHERE j.id IS NULL`)).toEqual([]);
    expect(after.jobs).toBeGreaterThanOrEqual(before.jobs);
    expect(after.credentials).toBeLessThanOrEqual(after.jobs);
  });
});

async function counts() {
  const [row] = await world.sql<{ jobs: string; open: string; credentials: string }>(
    `SELECT (SELECT count(*) FROM jobs) AS jobs,
            (SELECT count(*) FROM jobs WHERE status IN ('queued', 'processing')) AS open,
            (SELECT count(*) FROM credentials) AS credentials`,
  );
  return { jobs: Number(row?.jobs), open: Number(row?.open), credentials: Number(row?.credentials) };
}
