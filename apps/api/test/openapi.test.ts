/**
 * The OpenAPI document against the real app (Postgres and Redis behind it): it is
 * valid OpenAPI 3.1 whose schemas are valid JSON Schema 2020-12, it documents exactly
 * the routes the Express app registers, real answers match it, and `/docs` serves
 * Swagger UI from same-origin files only.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '@vcq/config';
import { createTestDatabase, testRedisUrl } from '@vcq/testing';
import { startApi } from '../src/server.js';
import { buildOpenApiDocument } from '../src/openapi/document.js';
import { DOCS_ASSETS_PATH } from '../src/openapi/routes.js';

type Json = Record<string, any>;

const ADMIN = { 'x-api-key': 'admin-key-0001' };
// Bull Board's own pages and data API live under its mount; the document has one entry for it.
const DASHBOARD = '/admin/queues';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let running: RunningApp;
const document = buildOpenApiDocument() as Json;

beforeAll(async () => {
  database = await createTestDatabase('vcq_openapi');
  running = await startApp(
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '2',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: `openapi${randomUUID().slice(0, 8)}`,
      API_KEYS: `${ADMIN['x-api-key']},reader-key-0001:read`,
      LOG_LEVEL: process.env.VCQ_TEST_LOG_LEVEL ?? 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_POINTS: '0',
    }),
  );
});

afterAll(async () => {
  await running?.close();
  await database?.drop();
});

interface RunningApp {
  app: Express;
  url: string;
  close(): Promise<void>;
}

/** The real API (`startApi`); closing it also deletes this test's Redis keys. */
async function startApp(config: Config): Promise<RunningApp> {
  const api = await startApi(config);
  return {
    app: api.app,
    url: api.url,
    async close() {
      await api.close();
      // Each queue wrote its meta key; the prefix is this test's own, so all of it goes.
      const redis = new Redis(config.REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.QUEUE_PREFIX}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

// --- The routes the app registers -------------------------------------------------

/** What router 2.3's public `listRoutes()` returns for one stack entry. */
interface RouteInfo {
  path: string | RegExp;
  methods: string[] | undefined;
  router: ListableRouter | undefined;
}
interface ListableRouter {
  listRoutes?(): RouteInfo[];
}

interface Registered {
  method: string;
  /** OpenAPI form (`/api/jobs/{id}`), or a RegExp route with the path it is mounted under. */
  path: string | { regexp: RegExp; mount: string };
}

const joinPath = (mount: string, path: string) => `${mount}${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z_$][\w$]*)/g, '{$1}');
const show = (r: Registered) => `${r.method.toUpperCase()} ${typeof r.path === 'string' ? r.path : `${r.path.mount}${r.path.regexp}`}`;

/** Every route of a router and the routers mounted in it, through `listRoutes()`. */
function registeredRoutes(router: ListableRouter, mount = ''): Registered[] {
  if (typeof router.listRoutes !== 'function') {
    throw new Error('this router has no listRoutes() (router >= 2.3, which Express 5.3 uses); the route walk depends on it');
  }
  const out: Registered[] = [];
  for (const info of router.listRoutes()) {
    if (info.router) {
      if (typeof info.path !== 'string') throw new Error(`a router mounted at ${info.path} (a RegExp) is not supported by this walk`);
      const at = joinPath(mount, info.path) === '/' ? '' : joinPath(mount, info.path);
      if (at === DASHBOARD) out.push({ method: 'get', path: DASHBOARD });
      else out.push(...registeredRoutes(info.router, at));
      continue;
    }
    // GET answers HEAD by itself; the document describes the GET.
    for (const method of (info.methods ?? []).filter((m) => m !== 'HEAD')) {
      const path = typeof info.path === 'string' ? openApiPath(joinPath(mount, info.path)) : { regexp: info.path, mount };
      out.push({ method: method.toLowerCase(), path });
    }
  }
  return out;
}

/**
 * Whether a registered route serves a documented path: string paths must be equal;
 * a RegExp route stands for a templated path whose example it matches.
 */
function serves(route: Registered, method: string, documented: string): boolean {
  if (route.method !== method && route.method !== '*') return false;
  if (typeof route.path === 'string') return route.path === documented;
  const { regexp, mount } = route.path;
  if (!documented.includes('{') || !documented.startsWith(mount)) return false;
  return regexp.test(documented.slice(mount.length).replace(/\{[^}]+\}/g, 'example'));
}

const documentedOperations = (): Array<{ method: string; path: string }> =>
  Object.entries(document.paths as Json).flatMap(([path, methods]) => Object.keys(methods as Json).map((method) => ({ method, path })));

// --- JSON Schema checks ---------------------------------------------------------

// The validator's OpenAPI 3.1 schema does not look inside Schema Objects, so they are
// compiled here with the Ajv (JSON Schema 2020-12) that the validator itself runs on.
const requireFromValidator = createRequire(import.meta.resolve('@seriousme/openapi-schema-validator'));
const Ajv2020 = requireFromValidator('ajv/dist/2020.js').default as new (options: object) => {
  addKeyword(keyword: string): void;
  addSchema(schema: object): void;
  getSchema(ref: string): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};
const DOCUMENT_ID = 'urn:vcq:openapi';

/** An Ajv holding the whole document, so `#/components/...` references resolve inside it. */
function documentAjv() {
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
  // The document's own members are not schema keywords; naming them lets strict mode check the rest.
  for (const key of Object.keys(document)) ajv.addKeyword(key);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  return ajv;
}

const pointer = (segments: string[]) => `#/${segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

/** JSON pointers of every Schema Object: named components and each `schema` member elsewhere. */
function schemaPointers(node: unknown = document, at: string[] = []): string[] {
  if (!node || typeof node !== 'object') return [];
  if (at.length === 3 && at[0] === 'components' && at[1] === 'schemas') return [pointer(at)];
  return Object.entries(node as Json).flatMap(([key, value]) =>
    key === 'schema' && !(at[0] === 'components' && at[1] === 'schemas') ? [pointer([...at, key])] : schemaPointers(value, [...at, key]),
  );
}

/** The documented schema of an answer, resolving a shared response. */
function answerPointer(method: string, path: string, status: number, mediaType: string): string {
  let response = document.paths[path]?.[method]?.responses?.[String(status)] as Json | undefined;
  let at = ['paths', path, method, 'responses', String(status)];
  if (response?.$ref) {
    at = (response.$ref as string).slice(2).split('/');
    response = document.components.responses[at[2] as string];
  }
  if (!response?.content?.[mediaType]) throw new Error(`${method.toUpperCase()} ${path} documents no ${status} ${mediaType} answer`);
  return pointer([...at, 'content', mediaType, 'schema']);
}

// --- Tests ----------------------------------------------------------------------

describe('the OpenAPI document', () => {
  it('when validated, then it is valid OpenAPI 3.1 with resolvable references', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('when each schema is compiled as JSON Schema 2020-12 in strict mode, then all compile', () => {
    const ajv = documentAjv();
    const pointers = schemaPointers();
    expect(pointers.length).toBeGreaterThan(50);
    const failures = pointers.flatMap((p) => {
      try {
        ajv.getSchema(`${DOCUMENT_ID}${p}`);
        return [];
      } catch (error) {
        return [`${p}: ${(error as Error).message}`];
      }
    });
    expect(failures).toEqual([]);
  });

  it('when servers are read, then the document names where its operations are served', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('when every operation is walked, then each lists the 4xx answers it can give', () => {
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(document.paths as Json)) {
      for (const [method, op] of Object.entries(methods as Json)) {
        const operation = op as Json;
        const listed = new Set(Object.keys(operation.responses as Json));
        const params = (operation.parameters ?? []) as Json[];
        const expected = new Set<string>();
        // Keyed: no key (401), a key without the scope or a browser-sent one (403), too many failures (429).
        if ((operation.security as unknown[]).length > 0) for (const status of ['401', '403', '429']) expected.add(status);
        if (params.some((p) => p.in === 'path')) expected.add('404');
        if (params.some((p) => p.in === 'query') || operation.requestBody) expected.add('400');
        if (operation.requestBody) for (const status of ['413', '415']) expected.add(status);
        if (params.some((p) => p.$ref === '#/components/parameters/IdempotencyKey')) for (const status of ['400', '409']) expected.add(status);
        for (const status of expected) if (!listed.has(status)) missing.push(`${method.toUpperCase()} ${path}: ${status}`);
        // Every operation lists some client error, and every one of them carries a problem document.
        for (const [status, response] of Object.entries(operation.responses as Json)) {
          if (!status.startsWith('4')) continue;
          const r = response as Json;
          if (!r.$ref && !r.content) missing.push(`${method.toUpperCase()} ${path}: ${status} has no content`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('when job-creating operations are read, then each documents the job options and a closed envelope', () => {
    const jobRoutes = Object.values(document.paths as Json).flatMap((methods) =>
      Object.values(methods as Json).filter((op) => ((op as Json).parameters ?? []).some((p: Json) => p.$ref === '#/components/parameters/IdempotencyKey')),
    ) as Json[];
    expect(jobRoutes.length).toBeGreaterThanOrEqual(9);
    for (const op of jobRoutes) {
      const content = op.requestBody?.content as Json | undefined;
      if (!content) continue;
      const resolve = (schema: Json): Json => (schema.$ref ? document.components.schemas[(schema.$ref as string).split('/').at(-1) as string] : schema);
      const schema = resolve((Object.values(content)[0] as Json).schema);
      // A batch's body is an array or an envelope: the envelope (the object form) takes the options.
      const objects = ((schema.anyOf ?? schema.oneOf ?? [schema]) as Json[]).map(resolve).filter((form) => form.properties);
      expect(objects.length, op.operationId).toBeGreaterThan(0);
      for (const form of objects) {
        expect(Object.keys(form.properties), op.operationId).toEqual(expect.arrayContaining(['priority', 'delay', 'runAt', 'attempts']));
        expect(form.additionalProperties, op.operationId).toBe(false);
      }
    }
    // The envelope is closed; what its members hold is theirs (a caller's credential keeps every member).
    expect(document.components.schemas.VcApiIssueRequest.properties.credential.additionalProperties).not.toBe(false);
  });

  it('when operation ids are listed, then each is unique', () => {
    const ids = Object.values(document.paths as Json).flatMap((methods) => Object.values(methods as Json).map((op) => (op as Json).operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when the request schemas are read, then they are the ones the routes validate with', () => {
    const listParams = (document.paths['/api/verification-jobs'].get.parameters as Json[]).map((p) => p.name);
    expect(listParams).toEqual(['status', 'limit', 'offset']);
    expect((document.paths['/queue/{name}/jobs'].get.parameters as Json[]).map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:name',
      'query:status',
      'query:start',
      'query:end',
    ]);
    expect(document.components.schemas.CleanQueueRequest.required).toEqual(['grace']);
    expect(document.components.schemas.IssueCredentialRequest.required).toEqual(['issuerDid', 'subjectDid', 'credentialType', 'claims']);
    expect(document.components.schemas.VerificationUpload.required).toEqual(['file', 'manifestURI']);
  });
});

describe('the documented routes and the registered ones', () => {
  it('when the app’s router is walked, then every route is documented and every documented route exists', () => {
    const all = registeredRoutes(running.app.router as unknown as ListableRouter);
    const registered = all.filter((r) => !(typeof r.path === 'string' && r.path.startsWith(`${DOCS_ASSETS_PATH}/`)));
    // The walk must have reached the mounted routers, or the comparison proves nothing.
    expect(registered.length).toBeGreaterThan(30);
    expect(registered.map(show)).toContain('GET /queue/{name}/job/{jobId}');

    const documented = documentedOperations();
    const undocumented = registered.filter((r) => !documented.some((d) => serves(r, d.method, d.path))).map(show);
    const missing = documented.filter((d) => !registered.some((r) => serves(r, d.method, d.path))).map((d) => `${d.method.toUpperCase()} ${d.path}`);
    // `undocumented`: registered but not in the document; `missing`: documented but not registered.
    expect({ undocumented, missing }).toEqual({ undocumented: [], missing: [] });
  });
});

describe('real answers and the document', () => {
  const call = async (method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) => {
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0] as string, body: (await res.json()) as unknown };
  };

  it('when documented operations are called, then each answer matches its documented schema', async () => {
    const ajv = documentAjv();
    const cases: Array<{ method: string; url: string; path: string; status: number; headers?: Record<string, string>; body?: unknown }> = [
      { method: 'get', url: '/healthz', path: '/healthz', status: 200 },
      { method: 'get', url: '/readyz', path: '/readyz', status: 200 },
      { method: 'get', url: '/api/verification-jobs?limit=5', path: '/api/verification-jobs', status: 200, headers: ADMIN },
      { method: 'get', url: '/api/verification-jobs/stats', path: '/api/verification-jobs/stats', status: 200, headers: ADMIN },
      { method: 'get', url: '/queue/stats', path: '/queue/stats', status: 200, headers: ADMIN },
      { method: 'get', url: '/queue/verification/jobs?status=completed', path: '/queue/{name}/jobs', status: 200, headers: ADMIN },
      { method: 'get', url: '/queue/workers', path: '/queue/workers', status: 200, headers: ADMIN },
      { method: 'get', url: '/queue/verification/dead-letters?limit=5', path: '/queue/{name}/dead-letters', status: 200, headers: ADMIN },
      { method: 'post', url: '/queue/verification/retry', path: '/queue/{name}/retry', status: 200, headers: ADMIN, body: { filter: {} } },
      { method: 'post', url: '/queue/verification/retry', path: '/queue/{name}/retry', status: 400, headers: ADMIN, body: {} },
      { method: 'get', url: '/queue/verification/limits', path: '/queue/{name}/limits', status: 200, headers: ADMIN },
      { method: 'put', url: '/queue/verification/limits', path: '/queue/{name}/limits', status: 400, headers: ADMIN, body: { concurrency: 0 } },
      { method: 'get', url: '/admin/tasks/cleanup/schedule', path: '/admin/tasks/{name}/schedule', status: 200, headers: ADMIN },
      { method: 'put', url: '/admin/tasks/cleanup/schedule', path: '/admin/tasks/{name}/schedule', status: 400, headers: ADMIN, body: { cron: 'nope' } },
      { method: 'get', url: '/queue/workers?queue=nope', path: '/queue/workers', status: 400, headers: ADMIN },
      { method: 'get', url: `/api/jobs/${randomUUID()}`, path: '/api/jobs/{id}', status: 404, headers: ADMIN },
      { method: 'get', url: '/api/jobs/anything', path: '/api/jobs/{id}', status: 401 },
      { method: 'get', url: '/queue/stats', path: '/queue/stats', status: 403, headers: { 'x-api-key': 'reader-key-0001' } },
      { method: 'post', url: '/api/credentials/issue', path: '/api/credentials/issue', status: 400, headers: ADMIN, body: { issuerDid: 'not a DID' } },
      { method: 'post', url: '/queue/verification/clean', path: '/queue/{name}/clean', status: 400, headers: ADMIN, body: { grace: -1 } },
    ];
    for (const c of cases) {
      const res = await call(c.method, c.url, { ...(c.headers ? { headers: c.headers } : {}), body: c.body });
      const what = `${c.method.toUpperCase()} ${c.url}`;
      expect(res.status, what).toBe(c.status);
      const validate = ajv.getSchema(`${DOCUMENT_ID}${answerPointer(c.method, c.path, c.status, res.type)}`);
      expect(validate(res.body) ? [] : validate.errors, what).toEqual([]);
    }
  });
});

describe('GET /openapi.json and GET /docs', () => {
  it('when the document is fetched, then it is the built document as JSON', async () => {
    const res = await fetch(`${running.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('when the page is fetched, then it loads only same-origin files, none of them inline', async () => {
    const res = await fetch(`${running.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();

    const references = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string);
    expect(references.length).toBeGreaterThanOrEqual(3);
    // Root-relative paths only: no scheme, no protocol-relative host.
    for (const reference of references) expect(reference, reference).toMatch(/^\/(?!\/)/);
    // Nothing a `default-src 'self'` policy would block: no inline script, style or handler.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);

    const scripts = references.filter((r) => r.endsWith('.js'));
    expect(scripts).toEqual([`${DOCS_ASSETS_PATH}/swagger-ui-bundle.js`, `${DOCS_ASSETS_PATH}/docs-init.js`]);
    for (const reference of references) {
      const asset = await fetch(`${running.url}${reference}`);
      expect(asset.status, reference).toBe(200);
      const type = asset.headers.get('content-type') ?? '';
      if (reference.endsWith('.js')) expect(type, reference).toMatch(/javascript/);
      if (reference.endsWith('.css')) expect(type, reference).toMatch(/^text\/css/);
      const body = await asset.text();
      expect(body.length, reference).toBeGreaterThan(0);
      if (reference.endsWith('/docs-init.js')) expect(body).toContain("url: '/openapi.json'");
    }
  });

  it('when an asset that is not the page’s is asked for, then the answer is 404', async () => {
    for (const name of ['swagger-initializer.js', 'index.html', '..%2Fpackage.json', 'constructor']) {
      const res = await fetch(`${running.url}${DOCS_ASSETS_PATH}/${name}`);
      expect(res.status, name).toBe(404);
    }
  });
});
