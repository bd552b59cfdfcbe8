/**
 * Verification jobs (queue `verification`) and the legacy synchronous routes.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { storableText } from '@vcq/db';
import { NotFoundError } from '@vcq/errors';
import { createJobContext, type Handlers } from '@vcq/jobs';
import type { Logger } from '@vcq/logger';
import { parseVerificationFields } from '@vcq/verification';
import { jobView } from '../job-view.js';
import { idempotentJobId } from '../idempotency.js';
import { type Responder, sendSubmission } from '../submission.js';
import { ownerFor, readScope, visibleOr404 } from '../tenancy.js';
import { isUuid, parseInput } from '../validation.js';
import { hashedUpload, uploadedFile } from '../middleware/upload.js';

export interface VerificationRouteDeps extends Responder {
  handlers: Handlers;
  logger: Logger;
  maxUploadBytes: number;
  defaultRegistryAddress: string | undefined;
}

const QUEUE = 'verification';

/** `GET /api/verification-jobs` query (also documented in the OpenAPI document). */
export const ListQuerySchema = z.object({
  status: z.enum(['queued', 'processing', 'completed', 'failed', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export function verificationRoutes(deps: VerificationRouteDeps): Router {
  const router = Router();
  const upload = hashedUpload(deps.maxUploadBytes);

  /** The job data for an upload request (400 naming the field if anything is off). */
  const jobInput = (req: Request) => {
    const file = uploadedFile(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fields = parseVerificationFields(
      {
        registryAddress: typeof body.registryAddress === 'string' ? body.registryAddress : undefined,
        manifestURI: typeof body.manifestURI === 'string' ? body.manifestURI : undefined,
      },
      { registryAddress: deps.defaultRegistryAddress },
    );
    const callbackUrl = typeof body.callbackUrl === 'string' && body.callbackUrl !== '' ? body.callbackUrl : undefined;
    const input = {
      contentHash: file.sha256,
      registryAddress: fields.registryAddress,
      manifestUri: fields.manifestUri,
      // The client's file name is only a label: what Postgres cannot store is replaced, not refused.
      fileName: storableText(file.originalname.slice(0, 1024)),
      fileSize: file.size,
      ...(callbackUrl ? { callbackUrl } : {}),
    };
    return input;
  };

  const submit = (name: 'verify' | 'proof') => async (req: Request, res: Response) => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const id = idempotentJobId(req);
    const owner = ownerFor(req, (req.body ?? {}) as Record<string, unknown>);
    const submission = await deps.platform.submit(name, jobInput(req), { signal: controller.signal, owner, ...(id ? { id } : {}) });
    await sendSubmission(req, res, deps, submission, {
      pollUrl: `/api/verification-jobs/${submission.job.id}`,
      message: `${name === 'verify' ? 'Verification' : 'Proof'} job queued`,
    });
  };

  router.post('/verification-jobs/verify', ...upload, submit('verify'));
  router.post('/verification-jobs/proof', ...upload, submit('proof'));

  router.get('/verification-jobs/stats', async (req, res) => {
    const counts = await deps.platform.store.countByStatus(QUEUE, readScope(req));
    res.json({ available: deps.platform.isQueueAvailable(), waiting: counts.queued, active: counts.processing, completed: counts.completed, failed: counts.failed });
  });

  router.get('/verification-jobs', async (req, res) => {
    const query = parseInput(ListQuerySchema, req.query, 'query');
    const { items, total } = await deps.platform.store.list({ queue: QUEUE, ...query, organizationId: readScope(req) });
    res.json({ items: items.map(jobView), total, limit: query.limit, offset: query.offset });
  });

  router.get('/verification-jobs/:jobId', async (req, res) => {
    const id = req.params.jobId;
    const job = visibleOr404(req, isUuid(id) ? await deps.platform.store.get(id) : null, `no verification job ${id}`);
    if (job.queue !== QUEUE) throw new NotFoundError(`no verification job ${id}`);
    res.json(jobView(job));
  });

  // Legacy synchronous routes: same form, the result in the response, no job row.
  const legacy = (name: 'verify' | 'proof') => async (req: Request, res: Response) => {
    const data = jobInput(req);
    // No job, but the same door: a refused manifestURI or callbackUrl is a 400 here too.
    await deps.platform.checkDestinations(data);
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const ctx = createJobContext({
      store: deps.platform.store,
      logger: req.log,
      jobId: req.id,
      name,
      queue: QUEUE,
      attempt: 1,
      mode: 'sync',
      signal: controller.signal,
    });
    // No row exists for legacy calls, so progress has nowhere to go.
    ctx.progress = () => {};
    const result = await deps.handlers[name](data, ctx);
    res.json(result);
  };
  router.post('/verify', ...upload, legacy('verify'));
  router.post('/proof', ...upload, legacy('proof'));

  return router;
}
