/**
 * Routes declared once. A declaration names a route's method and path, the scope its
 * API key needs, the zod schemas of its params, query and body, and its answers; the
 * handler sits beside it. That one declaration
 *
 * - mounts the Express route behind the door it asks for: authentication, the rate
 *   limit and the scope check first, then params and query, and only then the body
 *   is read (JSON, or a multipart upload);
 * - validates params, query and body with its schemas, once: the handler gets the
 *   parsed values;
 * - is what the OpenAPI document is built from (openapi/document.ts reads every
 *   group listed in routes/index.ts), so the document cannot drift from the routes.
 *
 * A path parameter that does not match its schema names nothing: 404, with the
 * schema's own message. A query or body that does not match is a 400 naming each field.
 */
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import type { Scope } from '@vcq/config';
import { type FieldError, NotFoundError, ValidationError } from '@vcq/errors';
import type { ApiKeyAuth } from './middleware/auth.js';
import type { JobOptions } from '@vcq/jobs';
import { JobOptionsSchema, refusingUnknown, splitEnvelope } from './job-options.js';
import { type HashedFile, uploadedFile, uploadedFiles } from './middleware/upload.js';
import { parseInput } from './validation.js';

export type Method = 'get' | 'post' | 'put' | 'delete';

/** Problem answers the document describes once (`components.responses`). */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

export interface ResponseDoc {
  description: string;
  /** Defaults to application/json. */
  mediaType?: string;
  schema?: z.ZodType;
  /** Names in `components.headers`. */
  headers?: string[];
}

export type Tag =
  | 'Health'
  | 'Documentation'
  | 'Verification jobs'
  | 'Legacy'
  | 'Jobs'
  | 'DIDs'
  | 'Credentials'
  | 'Emails'
  | 'VC API'
  | 'Public documents'
  | 'Queue administration'
  | 'Tasks'
  | 'VC events';

/** A JSON body. Absent and not `required`, it is read as `{}`. */
export interface JsonBody<S extends z.ZodType = z.ZodType> {
  json: S;
  required: boolean;
  /** The domain's own parser of this body, where the domain owns its validation; `json` then documents what it accepts. */
  parse?: (raw: unknown) => unknown;
}

/** A multipart upload with its file in `file` (`files: 'many'`: one or more, a batch); the schema documents the form. */
export interface MultipartBody {
  multipart: z.ZodType;
  files?: 'one' | 'many';
}

export type BodySpec = JsonBody | MultipartBody;

/** A multipart form as the upload door leaves it: the hashed file, and the other fields for the domain to read. */
export interface UploadForm {
  file: HashedFile;
  fields: Record<string, unknown>;
}

/** A multi-file form (a batch): the hashed files in the order they came, and the other fields. */
export interface UploadFilesForm {
  files: HashedFile[];
  fields: Record<string, unknown>;
}

export interface RouteSpec<
  P extends z.ZodObject | undefined = z.ZodObject | undefined,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends BodySpec | undefined = BodySpec | undefined,
> {
  method: Method;
  /** The whole path in OpenAPI form: `/api/jobs/{id}`. */
  path: string;
  /** For a path Express cannot take from `path` (one parameter spanning segments); its `params` then only document it. */
  expressPath?: RegExp;
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** `none` for public routes, else the scope the API key needs. */
  auth: 'none' | Scope;
  params?: P;
  query?: Q;
  body?: B;
  /** A job-creating POST: takes `Idempotency-Key` and `Prefer: wait=N`; answers 202, or 200 when done. */
  createsJob?: { pollPath: string };
  /** Takes `Idempotency-Key` without being a job-creating route (it answers when the job ends). */
  idempotent?: boolean;
  responses: Partial<Record<number, ResponseDoc>>;
  problems?: ProblemStatus[];
}

type Parsed<S, Otherwise> = S extends z.ZodType ? z.output<S> : Otherwise;
type BodyOf<B> = B extends MultipartBody
  ? B extends { files: 'many' }
    ? UploadFilesForm
    : UploadForm
  : B extends { parse: (raw: unknown) => infer T }
    ? T
    : B extends JsonBody<infer S>
      ? z.output<S>
      : undefined;

/** What a handler gets: the parsed input, the request and response, and its group's dependencies. */
export interface RouteContext<D, P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** A job route's job options (`priority`, `delay`/`runAt`, `attempts`), taken out of `body`; empty elsewhere. */
  jobOptions: JobOptions;
  req: Request;
  res: Response;
  deps: D;
}

export type RouteHandler<D, P, Q, B> = (ctx: RouteContext<D, P, Q, B>) => unknown;

type Declaration<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends BodySpec | undefined> = Omit<RouteSpec<P, Q, B>, 'method'>;
type HandlerFor<D, P, Q, B> = RouteHandler<D, Parsed<P, Record<string, string>>, Parsed<Q, Request['query']>, BodyOf<B>>;

type Entry<D> = { spec: RouteSpec; handler: RouteHandler<D, never, never, never> } | { spec: RouteSpec; app: (deps: D) => RequestHandler };

/** A route bound to its dependencies, ready to mount. */
export type BoundRoute = { spec: RouteSpec; run(ctx: Omit<RouteContext<unknown, unknown, unknown, unknown>, 'deps'>): unknown } | { spec: RouteSpec; app: RequestHandler };

/** One module's routes, declared with their handlers; the dependencies arrive when they are mounted. */
export class RouteGroup<D = void> {
  private readonly entries: Entry<D>[] = [];

  /** Declares a GET route (it answers HEAD too). */
  get<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined>(spec: Declaration<P, Q, undefined>, handler: HandlerFor<D, P, Q, undefined>): this {
    return this.add({ ...spec, method: 'get' }, handler);
  }

  /** Declares a POST route. */
  post<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends BodySpec | undefined = undefined>(
    spec: Declaration<P, Q, B>,
    handler: HandlerFor<D, P, Q, B>,
  ): this {
    return this.add({ ...spec, method: 'post' }, handler);
  }

  /** Declares a PUT route. */
  put<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends BodySpec | undefined = undefined>(
    spec: Declaration<P, Q, B>,
    handler: HandlerFor<D, P, Q, B>,
  ): this {
    return this.add({ ...spec, method: 'put' }, handler);
  }

  /** Declares a DELETE route. */
  delete<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined>(spec: Declaration<P, Q, undefined>, handler: HandlerFor<D, P, Q, undefined>): this {
    return this.add({ ...spec, method: 'delete' }, handler);
  }

  /**
   * Declares a GET page whose whole subtree is another app (the queue dashboard): it
   * is authenticated and scoped like a route, but its requests (a page and its
   * polling) are not counted against the key's rate limit.
   */
  app(spec: Declaration<undefined, undefined, undefined>, app: (deps: D) => RequestHandler): this {
    this.entries.push({ spec: { ...spec, method: 'get' }, app });
    return this;
  }

  /** The declarations, in the order they were made. */
  get specs(): RouteSpec[] {
    return this.entries.map((entry) => entry.spec);
  }

  /** The routes with their dependencies. */
  bind(deps: D): BoundRoute[] {
    return this.entries.map((entry) =>
      'app' in entry ? { spec: entry.spec, app: entry.app(deps) } : { spec: entry.spec, run: (ctx) => entry.handler({ ...ctx, deps } as never) },
    );
  }

  private add(spec: RouteSpec, handler: RouteHandler<D, never, never, never>): this {
    if (this.entries.some((e) => e.spec.method === spec.method && e.spec.path === spec.path)) throw new Error(`${spec.method.toUpperCase()} ${spec.path} is declared twice`);
    this.entries.push({ spec, handler });
    return this;
  }
}

/** What the routes are mounted behind (see app.ts). */
export interface Door {
  auth: ApiKeyAuth;
  /** The per-key rate limit. */
  limit: RequestHandler;
  /** The JSON parser: every keyed route but uploads runs it, so what it refuses (deep nesting, unstorable text) is refused everywhere. */
  json: RequestHandler;
  /** The multipart parser that hashes the file as it streams. */
  upload: RequestHandler[];
  /** The same for a form of several files (`files: 'many'`). */
  uploads: RequestHandler[];
}

/**
 * Mounts `routes` (each path starting with `prefix`) on one router at `prefix`, each
 * behind the door its declaration asks for. Under a prefix whose routes all need a
 * key, a request no route takes needs one too (401 without), and its JSON body is
 * checked like theirs, as before routes carried their own door.
 */
export function mountRoutes(app: Router, prefix: string, routes: BoundRoute[], door: Door): void {
  const router = Router();
  for (const route of routes) {
    const { spec } = route;
    if (!spec.path.startsWith(prefix)) throw new Error(`${spec.path} is not under ${prefix}`);
    const path = spec.expressPath ?? (spec.path.slice(prefix.length).replace(/\{([^}]+)\}/g, ':$1') || '/');
    if ('app' in route) {
      const entrance = spec.auth === 'none' ? [] : [door.auth.authenticate, door.auth.require(spec.auth), door.json];
      router.use(path as string, ...entrance, route.app);
      continue;
    }
    const entrance = spec.auth === 'none' ? [] : [door.auth.authenticate, door.limit, door.auth.require(spec.auth)];
    // Public routes read no body; keyed ones read it only now, once the caller is known.
    const body = spec.auth === 'none' ? [] : spec.body && 'multipart' in spec.body ? (spec.body.files === 'many' ? door.uploads : door.upload) : [door.json];
    router[spec.method](path, ...entrance, readParamsAndQuery(spec), ...body, handle(route));
  }
  // What no route takes (another method, OPTIONS, an unknown path) still meets the door, body included.
  if (prefix && routes.every((r) => r.spec.auth !== 'none')) router.use(door.auth.authenticate, door.limit, door.json);
  app.use(prefix || '/', router);
}

const inputs = new WeakMap<Request, { params: unknown; query: unknown }>();

function readParamsAndQuery(spec: RouteSpec): RequestHandler {
  return (req, _res, next) => {
    inputs.set(req, {
      params: spec.params && !spec.expressPath ? parseParams(spec.params, req.params) : req.params,
      query: spec.query ? parseInput(spec.query, req.query, 'query') : req.query,
    });
    next();
  };
}

function parseParams(schema: z.ZodObject, params: unknown): unknown {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  throw new NotFoundError(parsed.error.issues[0]?.message ?? 'no such resource');
}

function handle(route: Extract<BoundRoute, { run: unknown }>): RequestHandler {
  return async (req, res) => {
    const { params, query } = inputs.get(req) as { params: unknown; query: unknown };
    const { body, jobOptions } = readBody(route.spec, req);
    await route.run({ params, query, body, jobOptions, req, res });
  };
}

/** Whether a route makes a job, and so takes job options and refuses unknown members. */
export const isJobRoute = (spec: Pick<RouteSpec, 'createsJob' | 'idempotent'>) => Boolean(spec.createsJob || spec.idempotent);

/** The object forms of a body schema: itself, or the object options of a union (a batch: an array, or an envelope). */
function objectForms(schema: z.ZodType): z.ZodObject[] {
  if ((schema as unknown as { shape?: unknown }).shape) return [schema as unknown as z.ZodObject];
  const options = (schema as unknown as { options?: z.ZodType[] }).options ?? [];
  return options.filter((o) => (o as unknown as { shape?: unknown }).shape) as unknown as z.ZodObject[];
}

/** The members a body schema documents (its object forms' keys). */
function membersOf(schema: z.ZodType): Set<string> {
  const forms = objectForms(schema);
  if (forms.length === 0) throw new Error('a job route’s body must be declared as a zod object, or a union with one');
  return new Set(forms.flatMap((form) => Object.keys(form.shape)));
}

const members = new WeakMap<z.ZodType, Set<string>>();
const documented = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The request schema a route documents: a job route's body with the job options
 * beside its own members, and nothing else (`additionalProperties: false` on the
 * envelope; what its members hold is theirs).
 */
export function requestSchemaOf(spec: RouteSpec): z.ZodType | undefined {
  if (!spec.body) return undefined;
  const schema = 'json' in spec.body ? spec.body.json : spec.body.multipart;
  if (!isJobRoute(spec)) return schema;
  let extended = documented.get(schema);
  if (!extended) {
    const strict = (object: z.ZodObject) => {
      const made = object.extend(JobOptionsSchema.shape).strict();
      return object.description ? made.describe(object.description) : made;
    };
    const options = (schema as unknown as { options?: z.ZodType[] }).options;
    // A union's object forms take the options too; its other forms (a batch's bare array) stay as they are.
    extended = (schema as unknown as { shape?: unknown }).shape
      ? strict(schema as unknown as z.ZodObject)
      : z.union((options ?? []).map((o) => ((o as unknown as { shape?: unknown }).shape ? strict(o as unknown as z.ZodObject) : o)) as [z.ZodType, z.ZodType]);
    if (schema.description && !extended.description) extended = extended.describe(schema.description);
    documented.set(schema, extended);
  }
  return extended;
}

function readBody(route: RouteSpec, req: Request): { body: unknown; jobOptions: JobOptions } {
  const spec = route.body;
  if (!spec) return { body: undefined, jobOptions: {} };
  const job = isJobRoute(route);
  const allowed = (schema: z.ZodType) => {
    const known = members.get(schema) ?? membersOf(schema);
    members.set(schema, known);
    return known;
  };
  if ('multipart' in spec) {
    const fields = (req.body ?? {}) as Record<string, unknown>;
    // A batch's form carries its files under one repeated field.
    const form = (own: Record<string, unknown>) =>
      spec.files === 'many' ? ({ files: uploadedFiles(req), fields: own } satisfies UploadFilesForm) : ({ file: uploadedFile(req), fields: own } satisfies UploadForm);
    if (!job) return { body: form(fields), jobOptions: {} };
    const { options, rest, unknown } = splitEnvelope(fields, allowed(spec.multipart), 'form');
    return { body: refusingUnknown(unknown, () => form(rest)), jobOptions: options };
  }
  // express.json leaves a request without a JSON body undefined.
  let raw: unknown = req.body;
  if (raw === undefined) {
    if (spec.required) throw new ValidationError('send a JSON body (content-type: application/json)', [{ field: '(body)', message: 'must be a JSON object' }]);
    raw = {};
  }
  let jobOptions: JobOptions = {};
  let unknown: FieldError[] = [];
  // Strict on the envelope only: a member's own content (a caller's credential) keeps every member it has.
  if (job && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const split = splitEnvelope(raw as Record<string, unknown>, allowed(spec.json), 'json');
    raw = split.rest;
    jobOptions = split.options;
    unknown = split.unknown;
  }
  const body = raw;
  return { body: refusingUnknown(unknown, () => (spec.parse ? spec.parse(body) : parseInput(spec.json, body, 'body'))), jobOptions };
}
