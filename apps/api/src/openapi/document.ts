/**
 * Builds the OpenAPI 3.1 document from the routes' own declarations (routing.ts,
 * gathered in routes/index.ts). Every zod schema goes
 * through one `z.toJSONSchema` run over a registry, so shared shapes (Problem,
 * JobView, ...) become `components.schemas` once and are referenced everywhere else.
 * Schemas are converted in `input` mode: a request schema's defaults and coercions
 * describe what a client may send, and refinements zod cannot express are left out.
 */
import { z } from 'zod';
import { routeSpecs } from '../routes/index.js';
import { type ProblemStatus, type ResponseDoc, type RouteSpec, requestSchemaOf } from '../routing.js';
import * as s from './schemas.js';

type Json = Record<string, unknown>;

/** Problem answers shared by many operations (`components.responses`). */
const problemResponses: Record<ProblemStatus, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'The request is malformed; `errors` names each invalid field. JSON nested deeper than 64 levels, and text Postgres cannot store (NUL, unpaired UTF-16 surrogates) anywhere in a body, form, query or path, are refused here too.' },
  401: { name: 'Unauthorized', description: 'No API key, or not a valid one.' },
  403: {
    name: 'Forbidden',
    description: 'The API key lacks the scope this operation needs; or, for anything but GET and HEAD, the key came as Basic (a browser sends that by itself) or the request came from a page of another site (`Sec-Fetch-Site`, or an `Origin` not in CORS_ORIGINS).',
  },
  404: { name: 'NotFound', description: 'There is no such resource.' },
  409: { name: 'Conflict', description: 'The request conflicts with the resource’s state.' },
  410: { name: 'Gone', description: 'The resource existed and is gone for good: a deactivated did:web serves no document (`urn:vcq:problem:did_deactivated`).' },
  413: { name: 'ContentTooLarge', description: 'The body is larger than the limit (`JSON_BODY_LIMIT`, or `MAX_UPLOAD_BYTES` for uploads).' },
  415: { name: 'UnsupportedMediaType', description: 'Not a body this operation reads: uploads are `multipart/form-data` with the file in the field `file`; JSON is UTF-8.' },
  422: { name: 'UnprocessableContent', description: 'The job ran and failed (e.g. an unknown issuer).' },
  429: { name: 'TooManyRequests', description: 'This API key has spent its rate limit, or this client address has failed authentication too often (`AUTH_FAILURE_RATE_LIMIT_POINTS`); retry after `Retry-After` seconds.' },
  500: { name: 'InternalError', description: 'An unexpected error; it has been logged under `requestId`.' },
  502: { name: 'BadGateway', description: 'A peer (RPC node, manifest host, DID host, remote issuer) failed.' },
  503: { name: 'ServiceUnavailable', description: 'A dependency (database or queue) is unavailable; retry after `Retry-After` seconds.' },
  504: { name: 'GatewayTimeout', description: 'The job did not finish in time; poll it at the URL in `detail`.' },
};


/** Named components; request bodies are named after their operation, and every other schema is inlined. */
const namedSchemas: Record<string, z.ZodType> = {
  Problem: s.ProblemSchema,
  FieldError: s.FieldErrorSchema,
  JobStatus: s.JobStatusSchema,
  JobView: s.JobViewSchema,
  JobAccepted: s.JobAcceptedSchema,
  JobSyncResult: s.JobSyncResultSchema,
  JobFinished: s.JobFinishedSchema,
  VerificationUpload: s.VerificationUploadSchema,
  VerificationResult: s.VerificationResultSchema,
  ProofResult: s.ProofResultSchema,
  DidDocument: s.DidDocumentSchema,
  DidView: s.DidViewSchema,
  IssueResult: s.IssueResultSchema,
  CredentialVerifyResult: s.CredentialVerifyResultSchema,
  CredentialView: s.CredentialViewSchema,
  QueueStats: s.QueueStatsSchema,
};

const ref = (kind: 'schemas' | 'responses' | 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` });

const headers: Record<string, Json> = {
  RequestId: { description: 'The request id (yours, if you sent a sane `x-request-id`); logs carry it.', schema: { type: 'string' } },
  Location: { description: 'Where to poll the job.', schema: { type: 'string' } },
  PreferenceApplied: { description: '`wait=N` when `Prefer: wait=N` was honoured (N capped by the server).', schema: { type: 'string' } },
  RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
  RateLimitLimit: { description: 'Requests allowed per window for this key.', schema: { type: 'integer' } },
  RateLimitRemaining: { description: 'Requests left in this window.', schema: { type: 'integer' } },
  RateLimitReset: { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  RateLimitPolicy: { description: '`<limit>;w=<window seconds>`.', schema: { type: 'string' } },
  WwwAuthenticate: { description: 'The accepted schemes: `Bearer, Basic realm="vcq"`.', schema: { type: 'string' } },
  ETag: { description: 'The version of the document; send it back in `If-None-Match`.', schema: { type: 'string' } },
  LastModified: { description: 'When the document was signed.', schema: { type: 'string' } },
  CacheControl: { description: 'How long caches may keep the document.', schema: { type: 'string' } },
  Expires: { description: 'When the cached copy goes stale.', schema: { type: 'string' } },
};

// Response header names as sent, for each `components.headers` entry.
const headerNames: Record<string, string> = {
  RequestId: 'x-request-id',
  Location: 'Location',
  PreferenceApplied: 'Preference-Applied',
  RetryAfter: 'Retry-After',
  RateLimitLimit: 'RateLimit-Limit',
  RateLimitRemaining: 'RateLimit-Remaining',
  RateLimitReset: 'RateLimit-Reset',
  RateLimitPolicy: 'RateLimit-Policy',
  WwwAuthenticate: 'WWW-Authenticate',
  ETag: 'ETag',
  LastModified: 'Last-Modified',
  CacheControl: 'Cache-Control',
  Expires: 'Expires',
};

const headerRefs = (names: string[]) => Object.fromEntries(['RequestId', ...names].map((n) => [headerNames[n] as string, ref('headers', n)]));

const problemHeaders: Partial<Record<ProblemStatus, string[]>> = {
  401: ['WwwAuthenticate'],
  429: ['RetryAfter', 'RateLimitLimit', 'RateLimitRemaining', 'RateLimitReset', 'RateLimitPolicy'],
  503: ['RetryAfter'],
};

const parameters: Record<string, Json> = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'Makes a retried POST safe: the same key and body return the original job; the same key with a different body is 409. Scoped to the API key and route.',
    schema: { type: 'string', pattern: '^[!-~]{1,255}$' },
  },
  Prefer: {
    name: 'Prefer',
    in: 'header',
    required: false,
    description: '`wait=N` (RFC 7240): answer 200 with the finished job if it ends within N seconds (capped by the server), else 202 as usual.',
    schema: { type: 'string', pattern: 'wait=\\d+' },
  },
};

const securitySchemes = {
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description:
      'An API key of one organization; its scopes (`submit`, `read`, `admin`) decide what it may do. It sees and acts only on its organization’s resources (others’ answer 404), except an `admin` key, which is platform-wide.',
  },
  bearer: { type: 'http', scheme: 'bearer', description: 'The API key as a bearer token.' },
  basic: {
    type: 'http',
    scheme: 'basic',
    description: 'Any user name with the API key as password, for browsers reading (e.g. the dashboard): refused (403) for anything but GET and HEAD, since a browser sends it by itself.',
  },
};

const tags = [
  { name: 'Health', description: 'Liveness, readiness and metrics (public).' },
  { name: 'Documentation', description: 'This document and its interactive page (public).' },
  { name: 'Verification jobs', description: 'Verify a file, or prove its registration, against its signed manifest and the on-chain registry.' },
  { name: 'Legacy', description: 'The synchronous routes of the first API: the result in the response, no job.' },
  { name: 'Jobs', description: 'Any job, whatever its queue.' },
  { name: 'DIDs', description: 'did:key and did:web DIDs vcq controls (queue `did-operations`).' },
  { name: 'Credentials', description: 'VC-JWTs signed by a DID vcq controls, with Bitstring Status List revocation.' },
  { name: 'Emails', description: 'Templated emails sent over SMTP (queue `emails`).' },
  { name: 'VC API', description: 'The W3C Verifiable Credentials API issue and verify endpoints.' },
  { name: 'Public documents', description: 'did:web DID documents and status lists, for anyone verifying vcq’s credentials.' },
  { name: 'Queue administration', description: 'BullMQ queues, kept consistent with the Postgres job rows (admin scope).' },
  { name: 'Tasks', description: 'Scheduled maintenance and processing tasks: schedules, runs and manual triggers (admin scope).' },
  { name: 'VC events', description: 'The analytics VC-event window processor: its state, manual runs and resets (admin scope).' },
];

const problemContent = { 'application/problem+json': { schema: ref('schemas', 'Problem') } };

/** Turns zod schemas into JSON Schema in one pass, so registered schemas become `$ref`s. */
class SchemaSet {
  private readonly registry = z.registry<{ id: string }>();
  private converted: Record<string, Json> | undefined;

  constructor(named: Record<string, z.ZodType>) {
    for (const [id, schema] of Object.entries(named)) this.registry.add(schema, { id });
  }

  /** Registers a schema (if it is not already) and returns the id it is known by. */
  add(schema: z.ZodType, id: string): string {
    const known = this.registry.get(schema)?.id;
    if (known) return known;
    if (this.converted) throw new Error('schemas must all be added before conversion');
    this.registry.add(schema, { id });
    return id;
  }

  /** The converted schemas by id, without the per-schema `$schema` and `$id` (the document's dialect applies). */
  all(): Record<string, Json> {
    if (!this.converted) {
      const { schemas } = z.toJSONSchema(this.registry, {
        target: 'draft-2020-12',
        io: 'input',
        unrepresentable: 'any',
        uri: (id) => `#/components/schemas/${id}`,
        // `.int()` means a safe integer; bounds of ±2^53 say nothing a reader needs.
        override: ({ jsonSchema }) => {
          if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
          if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
        },
      });
      this.converted = Object.fromEntries(
        Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...rest }]) => [id, rest as Json]),
      );
    }
    return this.converted;
  }

  get(id: string): Json {
    const schema = this.all()[id];
    if (!schema) throw new Error(`no schema ${id}`);
    return schema;
  }
}

/** The ids a route's schemas are registered under; responses by status. */
interface SchemaIds {
  params?: string;
  query?: string;
  body?: string;
  responses: Map<string, string>;
}

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);
// Query and path objects are split into parameters; their ids are private to the builder.
const privateId = (operationId: string, part: string) => `__${operationId}_${part}`;

function build(): Json {
  const set = new SchemaSet(namedSchemas);
  // Register everything first: zod converts a registry in one run.
  const routes = routeSpecs();
  const ids = new Map<RouteSpec, SchemaIds>();
  for (const route of routes) {
    const entry: SchemaIds = { responses: new Map() };
    if (route.params) entry.params = set.add(route.params, privateId(route.operationId, 'params'));
    if (route.query) entry.query = set.add(route.query, privateId(route.operationId, 'query'));
    const request = requestSchemaOf(route);
    if (request) entry.body = set.add(request, `${pascal(route.operationId)}Request`);
    for (const [status, doc] of Object.entries(route.responses)) {
      // Answers are inlined unless their schema is a named component.
      if (doc?.schema) entry.responses.set(status, set.add(doc.schema, privateId(route.operationId, status)));
    }
    ids.set(route, entry);
  }

  const schemaRef = (id: string) => (id.startsWith('__') ? set.get(id) : ref('schemas', id));
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const entry = ids.get(route) as SchemaIds;
    const operation = operationFor(route, entry, set, schemaRef);
    paths[route.path] ??= {};
    const methods = paths[route.path] as Record<string, Json>;
    if (methods[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is declared twice`);
    methods[route.method] = operation;
  }

  const schemas = Object.fromEntries(Object.entries(set.all()).filter(([id]) => !id.startsWith('__')));
  return {
    openapi: '3.1.1',
    info: {
      title: 'vcq',
      version: '1.0.0',
      summary: 'Job platform for verifiable-credential work.',
      description:
        'Verification and proof jobs, DIDs and W3C Verifiable Credentials, queued on BullMQ with Postgres as the source of truth. Errors are RFC 9457 `application/problem+json`. `/api/*`, `/credentials/*` and `/queue/*` need an API key in `x-api-key` or `Authorization: Bearer`; the scope each operation needs is listed in its security requirement.',
    },
    // Relative: the API answers where this document was fetched from (behind any proxy
    // or base URL), so tools that resolve operations against `servers` call the same host.
    servers: [{ url: '/', description: 'The server this document is served from.' }],
    tags,
    paths,
    components: {
      schemas,
      responses: Object.fromEntries(
        Object.entries(problemResponses).map(([status, { name, description }]) => [
          name,
          { description, headers: headerRefs(problemHeaders[Number(status) as ProblemStatus] ?? []), content: problemContent },
        ]),
      ),
      parameters,
      headers,
      securitySchemes,
    },
  };
}

function operationFor(route: RouteSpec, entry: SchemaIds, set: SchemaSet, schemaRef: (id: string) => Json): Json {
  const parameterList: Json[] = [];
  if (entry.params) parameterList.push(...objectParameters(set.get(entry.params), 'path'));
  if (entry.query) parameterList.push(...objectParameters(set.get(entry.query), 'query'));
  if (route.createsJob || route.idempotent) parameterList.push(ref('parameters', 'IdempotencyKey'));
  if (route.createsJob) parameterList.push(ref('parameters', 'Prefer'));

  const problems = new Set<ProblemStatus>([...(route.problems ?? []), 500]);
  if (route.auth !== 'none') {
    problems.add(401);
    problems.add(403);
    // An address that keeps failing authentication is refused on every keyed route.
    problems.add(429);
  }
  if (route.body) {
    problems.add(400);
    problems.add(413);
    problems.add(415);
  }
  // A path parameter names a resource that may not exist (or not be the caller's), and
  // one that fails its schema names nothing: both are 404 (routing.ts).
  if (route.params) problems.add(404);
  // A query that fails its schema, or text Postgres cannot store in it, is a 400.
  if (route.query) problems.add(400);
  // A malformed Idempotency-Key is a 400; one used with another body, a 409.
  if (route.createsJob || route.idempotent) {
    problems.add(400);
    problems.add(409);
  }

  const responses: Record<string, Json> = {};
  if (route.createsJob) {
    responses['202'] = jsonResponse({ description: `Queued; poll \`${route.createsJob.pollPath}\` (also in \`Location\`).`, headers: ['Location'] }, ref('schemas', 'JobAccepted'));
    responses['200'] = jsonResponse(
      { description: 'Finished in the request: with `Prefer: wait=N`, the finished job; when the queue is unavailable, the sync-fallback result.', headers: ['PreferenceApplied'] },
      { anyOf: [ref('schemas', 'JobFinished'), ref('schemas', 'JobSyncResult')] },
    );
    responses['409'] = {
      description: 'This `Idempotency-Key` was used before with a different body.',
      headers: headerRefs([]),
      content: problemContent,
    };
    for (const status of [400, 413, 503] as const) problems.add(status);
  }
  for (const [status, doc] of Object.entries(route.responses)) {
    if (!doc) continue;
    const id = entry.responses.get(status);
    responses[status] = jsonResponse(doc, id ? schemaRef(id) : undefined);
  }
  for (const status of [...problems].sort((a, b) => a - b)) {
    // A route's own description of a problem status wins over the shared one.
    responses[String(status)] ??= ref('responses', problemResponses[status].name);
  }

  const operation: Json = {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    security: route.auth === 'none' ? [] : Object.keys(securitySchemes).map((scheme) => ({ [scheme]: [route.auth] })),
    ...(route.auth === 'none' ? {} : { 'x-required-scope': route.auth }),
    ...(parameterList.length > 0 ? { parameters: parameterList } : {}),
  };
  if (route.body && entry.body) {
    const [mediaType, required] = 'json' in route.body ? ['application/json', route.body.required] : ['multipart/form-data', true];
    operation.requestBody = { required, content: { [mediaType]: { schema: schemaRef(entry.body) } } };
  }
  operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return operation;
}

function jsonResponse(doc: Pick<ResponseDoc, 'description' | 'mediaType' | 'headers'>, schema: Json | undefined): Json {
  return {
    description: doc.description,
    headers: headerRefs(doc.headers ?? []),
    ...(schema ? { content: { [doc.mediaType ?? 'application/json']: { schema } } } : {}),
  };
}

/** One parameter per property of an object schema; the object's `required` list decides which are required. */
function objectParameters(schema: Json, location: 'path' | 'query'): Json[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, { description, ...property }]) => ({
    name,
    in: location,
    // OpenAPI requires every path parameter.
    required: location === 'path' || required.has(name),
    ...(description ? { description } : {}),
    schema: property,
  }));
}

let memo: Json | undefined;

/** The OpenAPI 3.1 document of the whole API (built once). */
export function buildOpenApiDocument(): Json {
  memo ??= build();
  return memo;
}
