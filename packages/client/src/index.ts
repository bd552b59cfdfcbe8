/**
 * A typed client of vcq's HTTP API. `api` is openapi-fetch over the types generated
 * from vcq's OpenAPI document (src/generated/openapi.ts), so every path, parameter,
 * body and answer is checked against the routes as they are declared. Beside it, two
 * things openapi-fetch does not do: a streamed multipart upload that reports its
 * progress (`upload`), and a job's Server-Sent Events as an async iterator (`events`).
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './generated/openapi.js';
import { type UploadOptions, type UploadAnswer, uploadFile } from './upload.js';
import { type JobEvent, jobEvents } from './events.js';
import { VcqApiError } from './errors.js';

export { VcqApiError };

export type { components, operations, paths };
export type { JobEvent, UploadAnswer, UploadOptions };
export { parseEventStream } from './events.js';
export type JobView = components['schemas']['JobView'];
export type Problem = components['schemas']['Problem'];
export type JobAccepted = components['schemas']['JobAccepted'];

export interface VcqClientOptions {
  /** Where vcq listens, e.g. `http://localhost:3000`. */
  baseUrl: string;
  apiKey?: string;
  /** Replaces global fetch (tests, proxies). */
  fetch?: typeof fetch;
}

export interface VcqClient {
  /** openapi-fetch, typed by vcq's OpenAPI document. */
  api: Client<paths>;
  baseUrl: string;
  /** The headers every request carries (the API key). */
  headers: Record<string, string>;
  /** A multipart upload (`file` plus form fields) to `path`, streamed from disk with progress. */
  upload(path: '/api/verification-jobs/verify' | '/api/verification-jobs/proof' | '/api/verify' | '/api/proof', options: UploadOptions): Promise<UploadAnswer>;
  /** A job's events (`status`, `progress`, then its outcome) until the stream ends. */
  events(jobId: string, options?: { signal?: AbortSignal }): AsyncGenerator<JobEvent>;
}

export function createVcqClient(options: VcqClientOptions): VcqClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = options.apiKey ? { 'x-api-key': options.apiKey } : {};
  const doFetch = options.fetch ?? fetch;
  return {
    api: createClient<paths>({ baseUrl, headers, fetch: doFetch }),
    baseUrl,
    headers,
    upload: (path, upload) => uploadFile(new URL(path, `${baseUrl}/`), { ...upload, headers: { ...headers, ...upload.headers } }),
    events: (jobId, events = {}) => jobEvents(doFetch, `${baseUrl}/api/jobs/${encodeURIComponent(jobId)}/events`, headers, events.signal),
  };
}

/** The data of an openapi-fetch answer, or a VcqApiError carrying its status and problem. */
export function unwrap<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.response.ok && answer.data !== undefined) return answer.data;
  if (answer.response.ok) return undefined as T;
  throw new VcqApiError(answer.response.status, (answer.error ?? undefined) as Partial<Problem> | undefined);
}
