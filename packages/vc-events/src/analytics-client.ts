/**
 * The client of the Dhiway-style analytics API: VC summary records for a time
 * window, page by page. Every way the API can fail (network, timeout, a non-2xx
 * answer, a body that is not a page) is an `AnalyticsApiError`, so a run can tell
 * "the API let us down" (stop, keep the state) from a record's own failure.
 */
import { fieldErrorsFromZod, formatFieldErrors, UpstreamError } from '@vcq/errors';
import { type VcSummaryPage, VcSummaryPageSchema } from './record.js';

/** The analytics API failed; the window it was reading must be read again later. */
export class AnalyticsApiError extends UpstreamError {
  override name = 'AnalyticsApiError';
  constructor(
    message: string,
    readonly details: { statusCode: number | null; page: number; from: string; to: string },
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, extensions: { analytics: details } });
  }
}

export interface AnalyticsClientOptions {
  /** ANALYTICS_API_URL: the API's base; `api/v1/vc-summary` is resolved against it. */
  baseUrl: string;
  /** ANALYTICS_API_KEY, sent as `x-api-key`. */
  apiKey?: string;
  /** Per request (ANALYTICS_API_TIMEOUT_MS). */
  timeoutMs: number;
  /** Records per page asked for (ANALYTICS_API_PAGE_SIZE). */
  pageSize: number;
  /** The most pages one window may have (ANALYTICS_API_MAX_PAGES). */
  maxPages: number;
}

export interface AnalyticsClient {
  /** One page of the records with `from <= timestamp < to`. */
  fetchPage(window: { from: Date; to: Date }, page: number, signal?: AbortSignal): Promise<VcSummaryPage>;
  /** Every record of the window, following `pagination.hasNext`; raw, for `parseRecord`. */
  fetchWindow(window: { from: Date; to: Date }, signal?: AbortSignal): Promise<{ records: unknown[]; pages: number; total: number }>;
}

const ENDPOINT = 'api/v1/vc-summary';
const EXCERPT_BYTES = 300;

/** Builds the client; nothing is contacted until the first fetch. */
export function createAnalyticsClient(options: AnalyticsClientOptions): AnalyticsClient {
  // A base with a path (`https://host/analytics`) keeps it: resolve against it as a directory.
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const endpoint = new URL(ENDPOINT, base);

  async function fetchPage(window: { from: Date; to: Date }, page: number, signal?: AbortSignal): Promise<VcSummaryPage> {
    const from = window.from.toISOString();
    const to = window.to.toISOString();
    const url = new URL(endpoint);
    url.search = new URLSearchParams({ from, to, page: String(page), limit: String(options.pageSize) }).toString();
    const details = { page, from, to };
    const fail = (message: string, statusCode: number | null, cause?: unknown): never => {
      throw new AnalyticsApiError(`analytics API: ${message} (page ${page} of [${from}, ${to}))`, { ...details, statusCode }, { cause });
    };

    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        signal: combined,
        headers: { accept: 'application/json', ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}) },
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) return fail(`no answer within ${options.timeoutMs} ms`, null, error);
      // undici says "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in the cause.
      const detail = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      return fail(`request failed: ${detail}`, null, error);
    }
    if (!response.ok) {
      const excerpt = text.slice(0, EXCERPT_BYTES).trim().replace(/\s+/g, ' ');
      return fail(`answered ${response.status}${excerpt ? `: ${excerpt}` : ''}`, response.status);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return fail('answered a body that is not JSON', response.status, error);
    }
    const parsed = VcSummaryPageSchema.safeParse(body);
    if (!parsed.success) {
      const issues = formatFieldErrors(fieldErrorsFromZod(parsed.error));
      return fail(`answered a body that is not a VC summary page: ${issues}`, response.status);
    }
    return parsed.data;
  }

  return {
    fetchPage,
    async fetchWindow(window, signal) {
      const records: unknown[] = [];
      let total = 0;
      for (let page = 1; ; page++) {
        if (page > options.maxPages) {
          throw new AnalyticsApiError(
            `analytics API: window [${window.from.toISOString()}, ${window.to.toISOString()}) has more than ${options.maxPages} pages (ANALYTICS_API_MAX_PAGES); shorten VC_EVENTS_MAX_WINDOW or raise the limit`,
            { statusCode: null, page, from: window.from.toISOString(), to: window.to.toISOString() },
          );
        }
        const result = await fetchPage(window, page, signal);
        records.push(...result.data);
        total = result.pagination.total;
        if (!result.pagination.hasNext) return { records, pages: page, total };
        // An API that promises more but sends nothing would otherwise be asked forever.
        if (result.data.length === 0) {
          throw new AnalyticsApiError(`analytics API: page ${page} is empty but says more pages follow`, {
            statusCode: null,
            page,
            from: window.from.toISOString(),
            to: window.to.toISOString(),
          });
        }
      }
    },
  };
}
