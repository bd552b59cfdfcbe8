/**
 * Verification jobs (queue `verification`) and the legacy synchronous routes.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { storableText } from '@vcq/db';
import { NotFoundError } from '@vcq/errors';
import type { Handlers } from '@vcq/app';
import { createJobContext, type JobOptions } from '@vcq/jobs';
import { parseVerificationFields } from '@vcq/verification';
import { jobView } from '../job-view.js';
import { idempotentJobId } from '../idempotency.js';
import * as s from '../openapi/schemas.js';
import { RouteGroup, type UploadForm } from '../routing.js';
import { type Responder, sendSubmission } from '../submission.js';
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
    message: `${name === 'verify' ? 'Verification' : 'Proof'} job queued`,
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
      res.json({ items: items.map(jobView), total, limit: query.limit, offset: query.offset });
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
      const job = visibleOr404(req, isUuid(jobId) ? await deps.platform.store.get(jobId) : null, `no verification job ${jobId}`);
      if (job.queue !== QUEUE) throw new NotFoundError(`no verification job ${jobId}`);
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
