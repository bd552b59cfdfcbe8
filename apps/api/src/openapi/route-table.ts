/**
 * Every route the API serves, as the OpenAPI document describes it. Request schemas
 * are the ones the routes validate with, imported from where they live, so the
 * document cannot drift from validation; `openapi.test.ts` checks this table
 * against the routes the Express app really registers.
 */
import { z } from 'zod';
import type { Scope } from '@vcq/config';
import { DidDeactivateJobSchema, DidUpdateJobSchema, IssueCredentialJobSchema, queueNames, VerifyCredentialJobSchema } from '@vcq/jobs';
import { DidCreateRequestSchema } from '../routes/credentials.js';
import { CleanBodySchema, QueueJobsQuerySchema } from '../routes/queue-admin.js';
import { RetryAllResponseSchema, TaskListResponseSchema, TaskParamsSchema, TaskRunsQuerySchema, TaskRunsResponseSchema, TaskTriggerResponseSchema } from '../routes/tasks.js';
import {
  LegacyVcEventBodySchema,
  VcEventResponseSchema,
  VcEventsResetBodySchema,
  VcEventsResetResponseSchema,
  VcEventsStateResponseSchema,
} from '../routes/vc-events.js';
import { ListQuerySchema } from '../routes/verification.js';
import * as s from './schemas.js';

/** Problem answers shared by many operations (`components.responses`). */
export const problemResponses = {
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
} as const;

export type ProblemStatus = keyof typeof problemResponses;

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
  | 'VC API'
  | 'Public documents'
  | 'Queue administration'
  | 'Tasks'
  | 'VC events';

export interface RouteDoc {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `/api/jobs/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: Tag;
  /** `none` for public routes, else the scope the API key needs. */
  auth: 'none' | Scope;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { json: z.ZodType; required: boolean } | { multipart: z.ZodType };
  /** A job-creating POST: takes `Idempotency-Key` and `Prefer: wait=N`; answers 202, or 200 when done. */
  createsJob?: { pollPath: string };
  responses: Partial<Record<number, ResponseDoc>>;
  problems?: ProblemStatus[];
}

const JobIdParams = z.object({ jobId: z.string().describe('The job id (a UUID).') });
const IdParams = z.object({ id: z.string().describe('The job id (a UUID).') });
const DidParams = z.object({ did: z.string().describe('The DID, URL-encoded (`did%3Akey%3Az6Mk…`).') });
const CredentialParams = z.object({ id: z.string().describe('The credential id: a UUID or its `urn:uuid:` public id.') });
const QueueParams = z.object({ name: z.enum(queueNames as [string, ...string[]]).describe('A queue name.') });
const QueueJobParams = QueueParams.extend({ jobId: z.string().describe('The job id (a UUID; the BullMQ id is the same).') });

const DidCreateBody = DidCreateRequestSchema.describe(
  '`{"method":"key"}` queues a fresh did:key; `{"method":"web","path":[…]}` a did:web under PUBLIC_BASE_URL. With `seedHex` or `privateKeyJwk` the key is imported and stored in the request (201), never queued.',
);
// The DID comes from the path, not the body.
const DidUpdateBody = DidUpdateJobSchema.omit({ did: true });
const DidDeactivateBody = DidDeactivateJobSchema.omit({ did: true });

const upload = { multipart: s.VerificationUploadSchema } as const;

export const routeTable: RouteDoc[] = [
  // Public
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process is up',
    tag: 'Health',
    auth: 'none',
    responses: { 200: { description: 'Up.', schema: s.HealthSchema } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: Postgres and the queue backend answer',
    tag: 'Health',
    auth: 'none',
    responses: {
      200: { description: 'Ready.', schema: s.ReadinessSchema },
      503: { description: 'Not ready; the problem’s `checks` says which dependency is `down`.', mediaType: 'application/problem+json', schema: s.ProblemSchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description:
      'Jobs by queue and state, completed and failed counters, job duration and wait histograms, HTTP request durations, sync-fallback mode, reconciler re-adds, webhook outcomes and process metrics. Public unless `METRICS_TOKEN` is set: then a scrape sends it as `Authorization: Bearer <token>` (401 otherwise). With `METRICS_PORT` it is served on that port instead of this one.',
    tag: 'Health',
    auth: 'none',
    problems: [401],
    responses: { 200: { description: 'The Prometheus text exposition format.', mediaType: 'text/plain', schema: z.string() } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    tag: 'Documentation',
    auth: 'none',
    responses: { 200: { description: 'The document.', schema: z.record(z.string(), z.unknown()) } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getDocsPage',
    summary: 'Interactive API documentation (Swagger UI)',
    tag: 'Documentation',
    auth: 'none',
    responses: { 200: { description: 'An HTML page.', mediaType: 'text/html', schema: z.string() } },
  },
  {
    method: 'get',
    path: '/.well-known/did.json',
    operationId: 'getHostDidDocument',
    summary: 'The did:web document of this host',
    tag: 'Public documents',
    auth: 'none',
    responses: { 200: { description: 'The DID document of `did:web:<host>`.', mediaType: 'application/did+json', schema: s.DidDocumentSchema } },
    problems: [404, 410],
  },
  {
    method: 'get',
    path: '/{path}/did.json',
    operationId: 'getPathDidDocument',
    summary: 'A did:web document hosted by vcq',
    description: '`did:web:<host>:a:b` lives at `/a/b/did.json`.',
    tag: 'Public documents',
    auth: 'none',
    params: z.object({ path: z.string().describe('The DID’s path segments joined with `/` (e.g. `issuers/acme`).') }),
    responses: { 200: { description: 'The DID document.', mediaType: 'application/did+json', schema: s.DidDocumentSchema } },
    problems: [404, 410],
  },
  {
    method: 'get',
    path: '/status-lists/{id}',
    operationId: 'getStatusListCredential',
    summary: 'A signed Bitstring Status List credential',
    tag: 'Public documents',
    auth: 'none',
    params: z.object({ id: z.string().describe('The status list id.') }),
    responses: {
      200: {
        description:
          'The BitstringStatusListCredential as a VC-JWT (signed when a status changes or half its validity has passed, not per request). Cacheable for `STATUS_LIST_TTL`; the credential\'s `exp` is `STATUS_LIST_VALIDITY` after signing.',
        mediaType: 'application/jwt',
        schema: z.string(),
        headers: ['ETag', 'LastModified', 'CacheControl', 'Expires'],
      },
      304: { description: 'Not modified: the `If-None-Match` or `If-Modified-Since` sent still names the current list.', headers: ['ETag', 'CacheControl'] },
    },
    problems: [404],
  },

  // Verification jobs
  {
    method: 'post',
    path: '/api/verification-jobs/verify',
    operationId: 'submitVerificationJob',
    summary: 'Queue a verification of a file against its manifest and the on-chain registry',
    tag: 'Verification jobs',
    auth: 'submit',
    body: upload,
    createsJob: { pollPath: '/api/verification-jobs/{jobId}' },
    responses: {},
    problems: [415],
  },
  {
    method: 'post',
    path: '/api/verification-jobs/proof',
    operationId: 'submitProofJob',
    summary: 'Queue a proof of registration for a file',
    tag: 'Verification jobs',
    auth: 'submit',
    body: upload,
    createsJob: { pollPath: '/api/verification-jobs/{jobId}' },
    responses: {},
    problems: [415],
  },
  {
    method: 'get',
    path: '/api/verification-jobs',
    operationId: 'listVerificationJobs',
    summary: 'List verification jobs, newest first',
    tag: 'Verification jobs',
    auth: 'read',
    query: ListQuerySchema,
    responses: { 200: { description: 'A page of jobs.', schema: s.VerificationJobListSchema } },
    problems: [400],
  },
  {
    method: 'get',
    path: '/api/verification-jobs/stats',
    operationId: 'getVerificationStats',
    summary: 'Counts of verification jobs by status',
    tag: 'Verification jobs',
    auth: 'read',
    responses: { 200: { description: 'Counts.', schema: s.VerificationStatsSchema } },
  },
  {
    method: 'get',
    path: '/api/verification-jobs/{jobId}',
    operationId: 'getVerificationJob',
    summary: 'Poll a verification job',
    tag: 'Verification jobs',
    auth: 'read',
    params: JobIdParams,
    responses: { 200: { description: 'The job.', schema: s.JobViewSchema } },
    problems: [404],
  },

  // Legacy synchronous routes
  {
    method: 'post',
    path: '/api/verify',
    operationId: 'verifyNow',
    summary: 'Verify a file in the request (legacy, no job)',
    tag: 'Legacy',
    auth: 'submit',
    body: upload,
    responses: { 200: { description: 'The verification result.', schema: s.VerificationResultSchema } },
    problems: [400, 413, 415, 502, 503],
  },
  {
    method: 'post',
    path: '/api/proof',
    operationId: 'proveNow',
    summary: 'Build a proof of registration in the request (legacy, no job)',
    tag: 'Legacy',
    auth: 'submit',
    body: upload,
    responses: { 200: { description: 'The proof.', schema: s.ProofResultSchema } },
    problems: [400, 413, 415, 502, 503],
  },

  // Jobs of any queue
  {
    method: 'get',
    path: '/api/jobs/{id}',
    operationId: 'getJob',
    summary: 'Poll a job of any queue',
    tag: 'Jobs',
    auth: 'read',
    params: IdParams,
    responses: { 200: { description: 'The job.', schema: s.JobViewSchema } },
    problems: [404],
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/events',
    operationId: 'streamJobEvents',
    summary: 'Follow a job live (Server-Sent Events)',
    description:
      '`status` on each status change, `progress` while it runs, then one final event named after the outcome (`completed`, `failed` or `cancelled`) and the stream closes. Each `data` is a JobView. A job that has already ended gets the final event at once.',
    tag: 'Jobs',
    auth: 'read',
    params: IdParams,
    responses: { 200: { description: 'An event stream.', mediaType: 'text/event-stream', schema: z.string() } },
    problems: [404],
  },

  // DIDs
  {
    method: 'post',
    path: '/api/dids',
    operationId: 'createDid',
    summary: 'Create a DID (did:key or did:web)',
    tag: 'DIDs',
    auth: 'submit',
    body: { json: DidCreateBody, required: true },
    createsJob: { pollPath: '/api/jobs/{jobId}' },
    responses: { 201: { description: 'An imported key, stored in the request.', schema: s.DidImportedSchema } },
  },
  {
    method: 'get',
    path: '/api/dids/{did}',
    operationId: 'resolveDid',
    summary: 'Resolve a DID',
    tag: 'DIDs',
    auth: 'read',
    params: DidParams,
    responses: { 200: { description: 'The DID resolution result.', schema: s.DidResolutionSchema } },
    problems: [400, 404, 502],
  },
  {
    method: 'post',
    path: '/api/dids/{did}/update',
    operationId: 'updateDid',
    summary: 'Rotate the key and/or change the services of a did:web DID',
    description: 'did:key cannot be updated: such a job fails at once, without retries.',
    tag: 'DIDs',
    auth: 'submit',
    params: DidParams,
    body: { json: DidUpdateBody, required: true },
    createsJob: { pollPath: '/api/jobs/{jobId}' },
    responses: {},
  },
  {
    method: 'post',
    path: '/api/dids/{did}/deactivate',
    operationId: 'deactivateDid',
    summary: 'Deactivate a did:web DID',
    description: 'did:key cannot be deactivated: such a job fails at once, without retries.',
    tag: 'DIDs',
    auth: 'submit',
    params: DidParams,
    body: { json: DidDeactivateBody, required: false },
    createsJob: { pollPath: '/api/jobs/{jobId}' },
    responses: {},
  },

  // Credentials
  {
    method: 'post',
    path: '/api/credentials/issue',
    operationId: 'issueCredential',
    summary: 'Queue the issuance of a VC-JWT',
    description: 'The job’s result is an IssueResult.',
    tag: 'Credentials',
    auth: 'submit',
    body: { json: IssueCredentialJobSchema, required: true },
    createsJob: { pollPath: '/api/jobs/{jobId}' },
    responses: {},
  },
  {
    method: 'post',
    path: '/api/credentials/verify',
    operationId: 'verifyCredential',
    summary: 'Queue the verification of a VC-JWT',
    description: 'The job’s result is a CredentialVerifyResult.',
    tag: 'Credentials',
    auth: 'submit',
    body: { json: VerifyCredentialJobSchema, required: true },
    createsJob: { pollPath: '/api/jobs/{jobId}' },
    responses: {},
  },
  {
    method: 'get',
    path: '/api/credentials/{id}',
    operationId: 'getCredential',
    summary: 'A credential vcq issued',
    tag: 'Credentials',
    auth: 'read',
    params: CredentialParams,
    responses: { 200: { description: 'The credential.', schema: s.CredentialViewSchema } },
    problems: [404],
  },
  {
    method: 'post',
    path: '/api/credentials/{id}/revoke',
    operationId: 'revokeCredential',
    summary: 'Revoke a credential (idempotent)',
    tag: 'Credentials',
    auth: 'submit',
    params: CredentialParams,
    responses: { 200: { description: 'The revoked credential.', schema: s.CredentialViewSchema } },
    problems: [404],
  },

  // W3C VC API
  {
    method: 'post',
    path: '/credentials/issue',
    operationId: 'vcApiIssue',
    summary: 'Issue a credential (W3C VC API)',
    description: 'Runs the issuance job and waits for it (up to `PREFER_WAIT_MAX_SECONDS`).',
    tag: 'VC API',
    auth: 'submit',
    body: { json: s.VcApiIssueRequestSchema, required: true },
    responses: { 201: { description: 'The credential as an EnvelopedVerifiableCredential.', schema: s.VcApiIssueResponseSchema } },
    problems: [400, 409, 413, 422, 503, 504],
  },
  {
    method: 'post',
    path: '/credentials/verify',
    operationId: 'vcApiVerify',
    summary: 'Verify a credential (W3C VC API)',
    description: 'Runs the verification job and waits for it (up to `PREFER_WAIT_MAX_SECONDS`).',
    tag: 'VC API',
    auth: 'submit',
    body: { json: s.VcApiVerifyRequestSchema, required: true },
    responses: { 200: { description: 'The verification outcome.', schema: s.VcApiVerifyResponseSchema } },
    problems: [400, 409, 413, 422, 503, 504],
  },

  // Queue administration
  {
    method: 'get',
    path: '/queue/stats',
    operationId: 'getAllQueueStats',
    summary: 'Counts of every queue',
    tag: 'Queue administration',
    auth: 'admin',
    responses: { 200: { description: 'One entry per queue.', schema: s.QueueStatsListResponseSchema } },
    problems: [503],
  },
  {
    method: 'get',
    path: '/queue/{name}/stats',
    operationId: 'getQueueStats',
    summary: 'Counts of one queue',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueParams,
    responses: { 200: { description: 'The counts.', schema: s.QueueStatsResponseSchema } },
    problems: [404, 503],
  },
  {
    method: 'get',
    path: '/queue/{name}/jobs',
    operationId: 'listQueueJobs',
    summary: 'Jobs of a queue in one state, newest first',
    description: 'Completed and failed jobs come from Postgres (Redis forgets them); the others from the queue. `end` is inclusive and at most 1000 past `start`.',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueParams,
    query: QueueJobsQuerySchema,
    responses: { 200: { description: 'The jobs.', schema: s.QueueJobListResponseSchema } },
    problems: [400, 404, 503],
  },
  {
    method: 'get',
    path: '/queue/{name}/job/{jobId}',
    operationId: 'getQueueJob',
    summary: 'A job with its BullMQ state',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueJobParams,
    responses: { 200: { description: 'The job.', schema: s.QueueJobResponseSchema } },
    problems: [404, 503],
  },
  {
    method: 'post',
    path: '/queue/{name}/job/{jobId}/retry',
    operationId: 'retryQueueJob',
    summary: 'Retry a failed or cancelled job',
    description: 'The row goes back to `queued` with a new attempt.',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueJobParams,
    responses: {
      200: { description: 'The requeued job.', schema: s.QueueRetryResponseSchema },
      409: { description: 'The job is not failed or cancelled (or changed state meanwhile).', mediaType: 'application/problem+json', schema: s.ProblemSchema },
    },
    problems: [404, 503],
  },
  {
    method: 'delete',
    path: '/queue/{name}/job/{jobId}',
    operationId: 'removeQueueJob',
    summary: 'Remove a job; its row is marked cancelled',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueJobParams,
    responses: {
      200: { description: 'Removed.', schema: s.QueueRemoveResponseSchema },
      202: { description: 'The job is running: its row is cancelled now and the attempt is not retried, but it is not torn from its worker.', schema: s.QueueRemoveResponseSchema },
    },
    problems: [404, 503],
  },
  {
    method: 'post',
    path: '/queue/{name}/pause',
    operationId: 'pauseQueue',
    summary: 'Pause a queue (no job starts until resumed)',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueParams,
    responses: { 200: { description: 'Paused.', schema: s.QueuePauseResponseSchema } },
    problems: [404, 503],
  },
  {
    method: 'post',
    path: '/queue/{name}/resume',
    operationId: 'resumeQueue',
    summary: 'Resume a paused queue',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueParams,
    responses: { 200: { description: 'Resumed.', schema: s.QueuePauseResponseSchema } },
    problems: [404, 503],
  },
  {
    method: 'post',
    path: '/queue/{name}/clean',
    operationId: 'cleanQueue',
    summary: 'Remove jobs in one state older than a grace period',
    description: 'Waiting or delayed jobs removed this way never run: their rows are marked `cancelled`.',
    tag: 'Queue administration',
    auth: 'admin',
    params: QueueParams,
    body: { json: CleanBodySchema, required: true },
    responses: { 200: { description: 'What was removed.', schema: s.QueueCleanResponseSchema } },
    problems: [400, 404, 503],
  },
  // Scheduled tasks
  {
    method: 'get',
    path: '/admin/tasks',
    operationId: 'listTasks',
    summary: 'Every scheduled task: its cron, whether it is on, its next tick and its last run',
    tag: 'Tasks',
    auth: 'admin',
    responses: { 200: { description: 'The tasks.', schema: TaskListResponseSchema } },
  },
  {
    method: 'get',
    path: '/admin/tasks/{name}/runs',
    operationId: 'listTaskRuns',
    summary: 'Recent runs of a task, newest first',
    tag: 'Tasks',
    auth: 'admin',
    params: TaskParamsSchema,
    query: TaskRunsQuerySchema,
    responses: { 200: { description: 'The runs.', schema: TaskRunsResponseSchema } },
    problems: [400, 404],
  },
  {
    method: 'post',
    path: '/admin/tasks/{name}/run',
    operationId: 'runTask',
    summary: 'Run a task now',
    description:
      'Queued for a worker (202; poll `pollUrl`); with `Prefer: wait=N`, 200 with the run when it ends within N seconds. When the queue is unavailable the task runs in the request (200, `mode: "sync"`).',
    tag: 'Tasks',
    auth: 'admin',
    params: TaskParamsSchema,
    responses: {
      200: { description: 'The finished run (in the request, or waited for).', schema: TaskTriggerResponseSchema, headers: ['PreferenceApplied'] },
      202: { description: 'Queued; poll `pollUrl` (also in `Location`).', schema: TaskTriggerResponseSchema, headers: ['Location'] },
      409: { description: 'The task cannot run in this deployment (`vc-events` without ANALYTICS_API_URL).', mediaType: 'application/problem+json', schema: s.ProblemSchema },
    },
    problems: [404],
  },
  {
    method: 'post',
    path: '/webhooks/retry-all',
    operationId: 'retryAllWebhooks',
    summary: 'Re-queue every webhook delivery that is due but not on the queue, now',
    description: 'Runs the webhook-retry-sweep task in the request with no grace period and answers its run; `result` counts what was due, on the queue and re-queued.',
    tag: 'Tasks',
    auth: 'admin',
    responses: { 200: { description: 'The sweep’s run.', schema: RetryAllResponseSchema } },
  },

  // VC events
  {
    method: 'get',
    path: '/admin/vc-events/state',
    operationId: 'getVcEventsState',
    summary: 'How far the VC-event processor has got',
    tag: 'VC events',
    auth: 'admin',
    responses: { 200: { description: 'The state, its lag, outcome counts and the last run.', schema: VcEventsStateResponseSchema } },
  },
  {
    method: 'post',
    path: '/admin/vc-events/run',
    operationId: 'runVcEvents',
    summary: 'Process every due window now',
    description: 'The `vc-events` task, triggered like `POST /admin/tasks/vc-events/run`.',
    tag: 'VC events',
    auth: 'admin',
    responses: {
      200: { description: 'The finished run (in the request, or waited for).', schema: TaskTriggerResponseSchema, headers: ['PreferenceApplied'] },
      202: { description: 'Queued; poll `pollUrl` (also in `Location`).', schema: TaskTriggerResponseSchema, headers: ['Location'] },
      409: { description: 'No analytics API is configured (ANALYTICS_API_URL).', mediaType: 'application/problem+json', schema: s.ProblemSchema },
    },
  },
  {
    method: 'post',
    path: '/admin/vc-events/reset',
    operationId: 'resetVcEvents',
    summary: 'Move the processor’s position; the next run processes from there',
    description: 'Records already processed successfully are not processed again, so resetting into the past only picks up what was missed or failed.',
    tag: 'VC events',
    auth: 'admin',
    body: { json: VcEventsResetBodySchema, required: true },
    responses: { 200: { description: 'The new state.', schema: VcEventsResetResponseSchema } },
    problems: [400],
  },
  {
    method: 'post',
    path: '/users/vc/process-event',
    operationId: 'processVcEvent',
    summary: 'Process one VC event now (legacy)',
    description:
      'One analytics record (`id` and `timestamp` optional), processed in the request with the same rules as a window run: its type is mapped through VC_EVENTS_TYPE_MAP and the credential with `vc_public_id` updated. A failure is a 500 problem; sending the event again retries it.',
    tag: 'Legacy',
    auth: 'submit',
    body: { json: LegacyVcEventBodySchema, required: true },
    responses: { 200: { description: 'What processing came to.', schema: VcEventResponseSchema } },
    problems: [400],
  },

  {
    method: 'get',
    path: '/admin/queues',
    operationId: 'getQueueDashboard',
    summary: 'Queue dashboard (Bull Board, read-only)',
    description: 'An HTML application; browsers can sign in with Basic authentication, the API key as password.',
    tag: 'Queue administration',
    auth: 'admin',
    responses: { 200: { description: 'The dashboard.', mediaType: 'text/html', schema: z.string() } },
  },
];
