/**
 * The one answer shape for every job-creating route: `202 {mode: "async", jobId,
 * status, message, pollUrl}` once queued, `200 {mode: "sync", jobId, result}` when it
 * ran in the request, and with `Prefer: wait=N` (RFC 7240) the finished job itself
 * when it ends within N seconds.
 */
import type { Request, Response } from 'express';
import type { JobName, JobPlatform, JobResult } from '@vcq/app';
import { type BatchSubmission, ENDED, type JobWaiter, type Submission } from '@vcq/jobs';
import { jobView } from './job-view.js';

/** The `wait` preference in seconds, capped; undefined when absent or malformed. */
export function preferWait(req: Request, maxSeconds: number): number | undefined {
  const header = req.header('prefer');
  const match = header?.match(/(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i);
  if (!match) return undefined;
  return Math.min(Number(match[1]), maxSeconds);
}

export interface Responder {
  platform: JobPlatform;
  preferWaitMaxSeconds: number;
  /** BATCH_MAX_ITEMS. */
  batchMaxItems: number;
  /** The API's one waiter on job rows: waiting requests share its LISTEN connection and reads. */
  watcher: JobWaiter;
}

/** Sends the answer for a submission (see the module comment). */
export async function sendSubmission<N extends JobName>(
  req: Request,
  res: Response,
  deps: Responder,
  submission: Submission<JobResult<N>>,
  options: { pollUrl: string; message: string },
): Promise<void> {
  const jobId = submission.job.id;
  if (submission.mode === 'async' && submission.replayed) res.setHeader('Idempotent-Replayed', 'true');
  if (submission.mode === 'sync') {
    res.status(200).json({ mode: 'sync', jobId, result: submission.result });
    return;
  }
  const wait = preferWait(req, deps.preferWaitMaxSeconds);
  if (wait !== undefined) {
    res.setHeader('Preference-Applied', `wait=${wait}`);
    const done = await deps.watcher.wait(jobId, ENDED, wait * 1000);
    if (done) {
      const view = jobView(done);
      res.status(200).json({ ...view, pollUrl: options.pollUrl });
      return;
    }
  }
  res.status(202).location(options.pollUrl).json({ mode: 'async', jobId, status: submission.job.status, message: options.message, pollUrl: options.pollUrl });
}

/**
 * The answer for an accepted batch: `202 {mode: "async", jobId, status, message,
 * pollUrl, total, items: [{index, jobId, pollUrl}]}`, `jobId` and `pollUrl` (also in
 * `Location`) being the parent's, whose result summarises the children once all have ended.
 */
export function sendBatch(res: Response, batch: BatchSubmission, options: { pollBase: string; message: string }): void {
  const pollUrl = `/api/jobs/${batch.parent.id}`;
  if (batch.replayed) res.setHeader('Idempotent-Replayed', 'true');
  res
    .status(202)
    .location(pollUrl)
    .json({
      mode: 'async',
      jobId: batch.parent.id,
      status: batch.parent.status,
      message: options.message,
      pollUrl,
      total: batch.children.length,
      items: batch.children.map((child, index) => ({ index, jobId: child.id, pollUrl: `${options.pollBase}${child.id}` })),
    });
}
