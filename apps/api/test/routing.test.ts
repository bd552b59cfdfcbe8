/**
 * Route declarations (routing.ts) on a toy group, over real HTTP with the real door
 * (API-key auth, JSON body parser, upload parser, problem answers) and no database:
 * the handler gets its input parsed once, the door comes before any parsing, and a
 * keyed prefix answers 401 for paths it has no route for.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseApiKeys } from '@vcq/config';
import { createLogger } from '@vcq/logger';
import { apiKeyAuth } from '../src/middleware/auth.js';
import { jsonBody } from '../src/middleware/json-body.js';
import { errorHandler, notFound } from '../src/middleware/problem.js';
import { requestContext } from '../src/middleware/request-context.js';
import { hashedUpload, hashedUploads } from '../src/middleware/upload.js';
import { type Door, mountRoutes, RouteGroup } from '../src/routing.js';

const SUBMIT = { 'x-api-key': 'toy-submit-key-0001' };
const READ = { 'x-api-key': 'toy-read-key-0001' };

// Counts every run of the body schema: the route must parse a body exactly once.
let bodyParses = 0;
let handled: unknown[] = [];
const ThingBody = z
  .object({ n: z.number().int(), tag: z.string().default('none') })
  .transform((body) => {
    bodyParses++;
    return body;
  });

const toy = new RouteGroup<{ label: string }>()
  .post(
    {
      path: '/toy/things/{kind}',
      operationId: 'makeThing',
      summary: 'Make a thing',
      tag: 'Jobs',
      auth: 'submit',
      params: z.object({ kind: z.enum(['a', 'b'], { error: (issue) => `no kind ${String(issue.input)}` }) }),
      query: z.object({ limit: z.coerce.number().int().min(1).default(5) }),
      body: { json: ThingBody, required: true },
      responses: {},
    },
    ({ params, query, body, res, deps }) => {
      handled.push({ params, query, body });
      res.json({ label: deps.label, params, query, body });
    },
  )
  .post(
    {
      path: '/toy/optional',
      operationId: 'optionalBody',
      summary: 'A body that may be left out',
      tag: 'Jobs',
      auth: 'submit',
      body: { json: z.object({ tag: z.string().default('none') }), required: false },
      responses: {},
    },
    ({ body, res }) => {
      handled.push(body);
      res.json(body);
    },
  );

const open = new RouteGroup().get(
  { path: '/open/ping', operationId: 'ping', summary: 'Ping', tag: 'Health', auth: 'none', responses: {} },
  ({ res }) => {
    res.json({ pong: true });
  },
);

let base: string;
let server: ReturnType<express.Express['listen']>;

beforeAll(async () => {
  const app = express();
  app.use(requestContext(createLogger({ level: 'silent' })));
  const door: Door = {
    auth: apiKeyAuth(parseApiKeys(['toy-submit-key-0001:submit', 'toy-read-key-0001:read'])),
    limit: (_req, _res, next) => next(),
    json: jsonBody('16kb'),
    upload: hashedUpload(1024),
    uploads: hashedUploads(1024, 4),
  };
  mountRoutes(app, '/toy', toy.bind({ label: 'toy' }), door);
  mountRoutes(app, '/open', open.bind(), door);
  app.use(notFound);
  app.use(errorHandler(1024));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  bodyParses = 0;
  handled = [];
});

const post = async (path: string, headers: Record<string, string>, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('a declared route', () => {
  it('when a request matches, then the handler gets params, query and body parsed (coerced, defaulted), the body parsed once', async () => {
    const res = await post('/toy/things/a?limit=7', SUBMIT, { n: 1, extra: 'dropped' });
    expect(res).toEqual({ status: 200, body: { label: 'toy', params: { kind: 'a' }, query: { limit: 7 }, body: { n: 1, tag: 'none' } } });
    expect(bodyParses).toBe(1);
    expect(handled).toHaveLength(1);
  });

  it('when the path parameter names nothing, then 404 with the schema’s message; a bad query is a 400 naming its field; the body is not parsed', async () => {
    const unknown = await post('/toy/things/zzz', SUBMIT, { n: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'urn:vcq:problem:not_found', detail: 'no kind zzz' });
    const badQuery = await post('/toy/things/a?limit=0', SUBMIT, { n: 1 });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors).toEqual([{ field: 'limit', message: expect.any(String) }]);
    const badBody = await post('/toy/things/a', SUBMIT, { n: 'one' });
    expect(badBody.status).toBe(400);
    expect(badBody.body.errors).toEqual([{ field: 'n', message: expect.any(String) }]);
    expect(bodyParses).toBe(0);
    expect(handled).toEqual([]);
  });

  it('when the caller has no key, or a key without the scope, then 401 or 403 before params, query or body are looked at', async () => {
    for (const headers of [{}, { 'x-api-key': 'not-a-key-at-all' }] as Array<Record<string, string>>) {
      const res = await post('/toy/things/zzz?limit=0', headers, { n: 'one' });
      expect(res.status).toBe(401);
    }
    const denied = await post('/toy/things/zzz?limit=0', READ, { n: 'one' });
    expect(denied.status).toBe(403);
    expect(bodyParses).toBe(0);
    expect(handled).toEqual([]);
  });

  it('when a required body is missing, then 400 naming (body); when an optional one is, then the handler gets the schema’s defaults', async () => {
    const missing = await post('/toy/things/a', SUBMIT);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
    expect(await post('/toy/optional', SUBMIT)).toEqual({ status: 200, body: { tag: 'none' } });
  });

  it('when no route under a keyed prefix takes a request, then 401 without a key, 404 with one, 400 for a body the door refuses; a public prefix is not gated', async () => {
    expect((await post('/toy/nothing-here', {})).status).toBe(401);
    expect((await post('/toy/nothing-here', SUBMIT)).status).toBe(404);
    // Another method on a declared path: Express would answer OPTIONS by itself, but not before the door has read the body.
    const options = await fetch(`${base}/toy/optional`, { method: 'OPTIONS', headers: { ...SUBMIT, 'content-type': 'application/json' }, body: `{"a":"x${String.fromCharCode(0)}"}` });
    expect(options.status).toBe(400);
    expect((await fetch(`${base}/toy/optional`, { method: 'OPTIONS' })).status).toBe(401);
    expect((await fetch(`${base}/open/nothing-here`)).status).toBe(404);
    expect(await (await fetch(`${base}/open/ping`)).json()).toEqual({ pong: true });
  });
});

describe('a route group', () => {
  it('when the same method and path are declared twice, then the second declaration throws', () => {
    const spec = { path: '/x', operationId: 'x', summary: 'x', tag: 'Jobs', auth: 'read', responses: {} } as const;
    const group = new RouteGroup().get(spec, () => {});
    expect(() => group.get({ ...spec, operationId: 'y' }, () => {})).toThrow(/GET \/x is declared twice/);
    expect(group.specs.map((s) => `${s.method} ${s.path} ${s.operationId}`)).toEqual(['get /x x']);
  });

  it('when routes are mounted under a prefix they are not under, then mounting throws', () => {
    const door = { auth: apiKeyAuth([]), limit: () => {}, json: () => {}, upload: [] } as unknown as Door;
    expect(() => mountRoutes(express(), '/elsewhere', toy.bind({ label: 'x' }), door)).toThrow(/not under \/elsewhere/);
  });
});
