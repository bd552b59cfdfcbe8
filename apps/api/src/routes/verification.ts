/**
 * Verification jobs (queue `verification`) and the legacy synchronous routes.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { storableText } from '@vcq/db';
import { type FieldError, JobNotFoundError, ValidationError } from '@vcq/errors';
import type { Handlers } from '@vcq/app';
import { createJobContext, type JobOptions } from '@vcq/jobs';
import { parseVerificationFields } from '@vcq/verification';
import { jobView } from '../job-view.js';
import { idempotentJobId } from '../idempotency.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup, type UploadFilesForm, type UploadForm } from '../routing.js';
import { type Responder, sendBatch, sendSubmission } from '../submission.js';
import { ownerFor, readScope, visibleOr404 } from '../tenancy.js';
import { isUuid } from '../validation.js';

export interface VerificationRouteDeps extends Responder {
  handlers: Handlers;
  defaultRegistryAddress: string | undefined;
}

const QUEUE = 'verification';

/** `GET /api/verification-jobs` query. */
export const ListQuerySchema = z.object({
  status: z.enum(['queued', 'processing', 'completed', 'failed', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const JobIdParams = z.object({ jobId: z.string().describe('The job id (a UUID).') });
const upload = { multipart: s.VerificationUploadSchema };

/** The job data for an upload (400 naming the field if anything is off): the form is read by the domain's own rules. */
function jobInput({ file, fields }: UploadForm, deps: VerificationRouteDeps) {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const checked = parseVerificationFields(
    { registryAddress: text(fields.registryAddress), manifestURI: text(fields.manifestURI) },
    { registryAddress: deps.defaultRegistryAddress },
  );
  const callbackUrl = text(fields.callbackUrl) || undefined;
  return {
    contentHash: file.sha256,
    registryAddress: checked.registryAddress,
    manifestUri: checked.manifestUri,
    // The client's file name is only a label: what Postgres cannot store is replaced, not refused.
    fileName: storableText(file.originalname.slice(0, 1024)),
    fileSize: file.size,
    ...(callbackUrl ? { callbackUrl } : {}),
  };
}

/** A form field sent once (a string), repeated (an array), or not at all. */
function repeated(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

const itemField = (index: number, field: string) => `items.${index}.${field}`;

/**
 * The items of a multi-file form: the i-th `file` with the i-th `manifestURI` (and
 * `registryAddress`, when it is repeated too; sent once, it is every item's). Every
 * item is read before anything is submitted; a fault is a 400 naming `items.<i>.<field>`.
 */
function batchItems({ files, fields }: UploadFilesForm, deps: VerificationRouteDeps) {
  const uris = repeated(fields.manifestURI);
  const registries = repeated(fields.registryAddress);
  const errors: FieldError[] = [];
  if (uris.length !== files.length) {
    errors.push({ field: 'manifestURI', message: `send one manifestURI per file, in the files' order: got ${uris.length} for ${files.length} file(s)` });
  }
  if (registries.length > 1 && registries.length !== files.length) {
    errors.push({ field: 'registryAddress', message: `send registryAddress once (for every file) or once per file: got ${registries.length} for ${files.length} file(s)` });
  }
  if (errors.length > 0) throw new ValidationError('the batch form does not pair its files with their fields', errors);
  const items = files.map((file, index) => {
    try {
      return jobInput({ file, fields: { manifestURI: uris[index], registryAddress: registries.length > 1 ? registries[index] : registries[0] } }, deps);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const e of error.errors ?? []) errors.push({ field: itemField(index, e.field), message: e.message });
      return null;
    }
  });
  if (errors.length > 0) throw new ValidationError(`the batch was refused: ${errors.length} problem(s) (nothing was queued)`, errors);
  return items;
}

/** A signal that aborts when the client goes away before the answer is complete. */
function abortOnClose(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

const submit =
  (name: 'verify' | 'proof') =>
  async ({ body, jobOptions, req, res, deps }: { body: UploadForm; jobOptions: JobOptions; req: Request; res: Response; deps: VerificationRouteDeps }) => {
  const signal = abortOnClose(res);
  const id = idempotentJobId(req);
  const owner = ownerFor(req, body.fields);
  const submission = await deps.platform.submit(name, jobInput(body, deps), { signal, owner, job: jobOptions, ...(id ? { id } : {}) });
  await sendSubmission(req, res, deps, submission, {
    pollUrl: `/api/verification-jobs/${submission.job.id}`,
    // Internet ID's own wording, which its clients may show or match.
    message: name === 'verify' ? 'Verification job queued successfully' : 'Proof generation job queued successfully',
  });
};

// Legacy synchronous routes: same form, the result in the response, no job row.
const runNow = (name: 'verify' | 'proof') => async ({ body, req, res, deps }: { body: UploadForm; req: Request; res: Response; deps: VerificationRouteDeps }) => {
  const data = jobInput(body, deps);
  // No job, but the same door: a refused manifestURI or callbackUrl is a 400 here too.
  await deps.platform.checkDestinations(data);
  const ctx = createJobContext({
    store: deps.platform.store,
    logger: req.log,
    jobId: req.id,
    name,
    queue: QUEUE,
    attempt: 1,
    mode: 'sync',
    signal: abortOnClose(res),
  });
  // No row exists for legacy calls, so progress has nowhere to go.
  ctx.progress = () => {};
  res.json(await deps.handlers[name](data, ctx));
};

/** `/api/verification-jobs/...` and the legacy `/api/verify` and `/api/proof`. */
export const verificationRoutes = new RouteGroup<VerificationRouteDeps>()
  .post(
    {
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
    submit('verify'),
  )
  .post(
    {
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
    submit('proof'),
  )
  .post(
    {
      path: '/api/verification-jobs/batch',
      operationId: 'submitVerificationBatch',
      summary: 'Queue a batch of verifications (or proofs): one parent job, a child per file',
      description:
        'multipart/form-data with `file` repeated (at most `BATCH_MAX_ITEMS`) and `manifestURI` repeated in the same order; `registryAddress` once for every file or once per file; `type` `verify` (default) or `proof`; `callbackUrl` gets one `batch.completed` webhook when every child has ended. The whole batch is checked first: a fault is a 400 naming `items.<index>.<field>`, and nothing is queued. Poll the parent at `pollUrl`: its progress is the share of children that have ended, and its result summarises them.',
      tag: 'Verification jobs',
      auth: 'submit',
      body: { multipart: s.VerificationBatchUploadSchema, files: 'many' },
      idempotent: true,
      responses: { 202: { description: 'Queued; poll the parent at `pollUrl` (also in `Location`).', schema: s.BatchAcceptedSchema, headers: ['Location'] } },
      problems: [400, 413, 415, 503],
    },
    async ({ body, jobOptions, req, res, deps }) => {
      const type = body.fields.type ?? 'verify';
      if (type !== 'verify' && type !== 'proof') throw new ValidationError('invalid type', [{ field: 'type', message: 'must be verify or proof' }]);
      const items = batchItems(body, deps);
      const callbackUrl = typeof body.fields.callbackUrl === 'string' && body.fields.callbackUrl !== '' ? body.fields.callbackUrl : undefined;
      const pollBase = '/api/verification-jobs/';
      const id = idempotentJobId(req);
      const batch = await deps.platform.submitBatch(type, items, {
        ...(id ? { id } : {}),
        job: jobOptions,
        maxItems: deps.batchMaxItems,
        pollBase,
        owner: ownerFor(req, body.fields),
        fieldOf: itemField,
        ...(callbackUrl ? { callbackUrl } : {}),
      });
      sendBatch(res, batch, { pollBase, message: `${type === 'verify' ? 'Verification' : 'Proof generation'} batch queued successfully` });
    },
  )
  .get(
    {
      path: '/api/verification-jobs',
      operationId: 'listVerificationJobs',
      summary: 'List verification jobs, newest first',
      tag: 'Verification jobs',
      auth: 'read',
      query: ListQuerySchema,
      responses: { 200: { description: 'A page of jobs.', schema: s.VerificationJobListSchema } },
      problems: [400],
    },
    async ({ query, req, res, deps }) => {
      const { items, total } = await deps.platform.store.list({ queue: QUEUE, ...query, organizationId: readScope(req) });
      const views = items.map(jobView);
      // `jobs` and `count` (this page's length) are Internet ID's names; `items`, `total` and the paging are vcq's.
      res.json({ jobs: views, count: views.length, items: views, total, limit: query.limit, offset: query.offset });
    },
  )
  .get(
    {
      path: '/api/verification-jobs/stats',
      operationId: 'getVerificationStats',
      summary: 'Counts of verification jobs by status',
      tag: 'Verification jobs',
      auth: 'read',
      responses: { 200: { description: 'Counts.', schema: s.VerificationStatsSchema } },
    },
    async ({ req, res, deps }) => {
      const counts = await deps.platform.store.countByStatus(QUEUE, readScope(req));
      res.json({ available: deps.platform.isQueueAvailable(), waiting: counts.queued, active: counts.processing, completed: counts.completed, failed: counts.failed });
    },
  )
  // After `/stats`, which it would otherwise match.
  .get(
    {
      path: '/api/verification-jobs/{jobId}',
      operationId: 'getVerificationJob',
      summary: 'Poll a verification job',
      tag: 'Verification jobs',
      auth: 'read',
      params: JobIdParams,
      responses: { 200: { description: 'The job.', schema: s.JobViewSchema } },
      problems: [404],
    },
    async ({ params: { jobId }, req, res, deps }) => {
      const job = visibleOr404(req, isUuid(jobId) ? await deps.platform.store.get(jobId) : null, `no verification job ${jobId}`, JobNotFoundError);
      if (job.queue !== QUEUE) throw new JobNotFoundError(`no verification job ${jobId}`);
      res.json(jobView(job));
    },
  )
  .post(
    {
      path: '/api/verify',
      operationId: 'verifyNow',
      summary: 'Verify a file in the request (legacy, no job)',
      tag: 'Legacy',
      auth: 'submit',
      body: upload,
      responses: { 200: { description: 'The verification result.', schema: s.VerificationResultSchema } },
      problems: [400, 413, 415, 502, 503],
    },
    runNow('verify'),
  )
  .post(
    {
      path: '/api/proof',
      operationId: 'proveNow',
      summary: 'Build a proof of registration in the request (legacy, no job)',
      tag: 'Legacy',
      auth: 'submit',
      body: upload,
      responses: { 200: { description: 'The proof.', schema: s.ProofResultSchema } },
      problems: [400, 413, 415, 502, 503],
    },
    runNow('proof'),
  );
