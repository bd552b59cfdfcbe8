/** Submitting and following jobs: the answer of a job-creating route, then the job's events to its end. */
import { type JobView, unwrap, type VcqClient, VcqApiError } from '@vcq/client';
import type { Output } from './output.js';

/** What a job-creating route answered: queued (202), run in the request (sync), or finished under `Prefer: wait`. */
export type Submitted = { mode: 'async'; jobId: string } | { mode: 'sync'; jobId: string; result: unknown } | { mode: 'finished'; job: JobView };

/** Reads a job-creating route's answer (any of its three shapes). */
export function submitted(body: unknown): Submitted {
  const b = body as Record<string, unknown>;
  if (b.mode === 'sync' && b.result !== undefined && typeof b.status !== 'string') return { mode: 'sync', jobId: String(b.jobId), result: b.result };
  if (typeof b.status === 'string' && typeof b.id === 'string' && b.status !== 'queued') return { mode: 'finished', job: b as unknown as JobView };
  return { mode: 'async', jobId: String(b.jobId) };
}

/** Follows the job over Server-Sent Events, drawing its progress, until it ends; returns its last view. */
export async function follow(client: VcqClient, jobId: string, out: Output): Promise<JobView> {
  let last: JobView | undefined;
  for await (const { event, data } of client.events(jobId)) {
    last = data;
    out.bar('job', data.progress / 100, `${data.status}${data.attempt > 1 ? ` (attempt ${data.attempt})` : ''}`);
    if (event === 'completed' || event === 'failed' || event === 'cancelled') {
      out.endBar();
      return data;
    }
  }
  // The stream closed without an outcome (the API shutting down): read where the job stands.
  if (last) out.endBar();
  return unwrap(await client.api.GET('/api/jobs/{id}', { params: { path: { id: jobId } } }));
}

/** A job view from a submission: followed when queued, as it is otherwise. */
export async function settle(client: VcqClient, s: Submitted, out: Output): Promise<JobView | { status: 'completed'; result: unknown; id: string; mode: 'sync' }> {
  if (s.mode === 'finished') return s.job;
  if (s.mode === 'sync') return { status: 'completed', result: s.result, id: s.jobId, mode: 'sync' };
  return follow(client, s.jobId, out);
}

/** Raises a non-2xx upload answer as the client's error. */
export function checkAnswer(answer: { status: number; body: unknown }): unknown {
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  throw new VcqApiError(answer.status, (answer.body ?? undefined) as never);
}
