/**
 * A Dhiway-style analytics API on loopback for tests: it serves the VC summary
 * records it holds, filtered to `[from, to)` and paged, checks `x-api-key`, and can
 * be told to fail (a status, a malformed body, or no answer at all) for chosen
 * requests. Records can be added at any time, as late-arriving records are.
 */
import { listenOnLoopback } from '@vcq/testing';
import type { VcSummaryRecordInput } from '../src/index.js';

export interface SummaryRequest {
  from: string;
  to: string;
  page: number;
  limit: number;
  apiKey: string | undefined;
}

/** What to do instead of answering normally. */
export type Fault = { status: number; body?: string } | { malformed: true } | { hang: true };

export interface AnalyticsServer {
  /** Base URL, for ANALYTICS_API_URL. */
  url: string;
  apiKey: string;
  /** Makes records available from now on. */
  add(...records: VcSummaryRecordInput[]): void;
  /** Every request received, in order. */
  requests: SummaryRequest[];
  /** Serve records oldest first (default), or in the order they were added, as a careless API might. */
  sorted: boolean;
  /** The next request matching `when` (any request by default) gets `fault`, `times` times. */
  fail(fault: Fault, options?: { when?: (request: SummaryRequest) => boolean; times?: number }): void;
  close(): Promise<void>;
}

export async function startAnalyticsServer(options: { apiKey?: string } = {}): Promise<AnalyticsServer> {
  const apiKey = options.apiKey ?? 'analytics-test-key';
  const records: VcSummaryRecordInput[] = [];
  const requests: SummaryRequest[] = [];
  const faults: Array<{ fault: Fault; when: (r: SummaryRequest) => boolean; times: number }> = [];
  const hanging = new Set<() => void>();
  const settings = { sorted: true };

  const server = await listenOnLoopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://analytics');
    if (url.pathname !== '/api/v1/vc-summary' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const request: SummaryRequest = {
      from: url.searchParams.get('from') ?? '',
      to: url.searchParams.get('to') ?? '',
      page: Number(url.searchParams.get('page') ?? '1'),
      limit: Number(url.searchParams.get('limit') ?? '100'),
      apiKey: req.headers['x-api-key'] as string | undefined,
    };
    requests.push(request);
    if (request.apiKey !== apiKey) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid api key"}');
      return;
    }
    const faultIndex = faults.findIndex((f) => f.when(request));
    if (faultIndex >= 0) {
      const entry = faults[faultIndex] as (typeof faults)[number];
      if (--entry.times <= 0) faults.splice(faultIndex, 1);
      const { fault } = entry;
      if ('hang' in fault) {
        // Never answers; released when the server closes.
        hanging.add(() => res.destroy());
        return;
      }
      if ('malformed' in fault) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"records":"not a page"}');
        return;
      }
      res.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body ?? '{"error":"injected failure"}');
      return;
    }
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    const matching = records.filter((r) => {
      const t = Date.parse(r.timestamp);
      return t >= from && t < to;
    });
    if (settings.sorted) matching.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || String(a.id).localeCompare(String(b.id)));
    const start = (request.page - 1) * request.limit;
    const data = matching.slice(start, start + request.limit);
    const body = { data, pagination: { page: request.page, limit: request.limit, total: matching.length, hasNext: start + request.limit < matching.length } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });

  return {
    url: server.url,
    apiKey,
    requests,
    get sorted() {
      return settings.sorted;
    },
    set sorted(value: boolean) {
      settings.sorted = value;
    },
    add: (...more) => {
      records.push(...more);
    },
    fail(fault, opts = {}) {
      faults.push({ fault, when: opts.when ?? (() => true), times: opts.times ?? 1 });
    },
    async close() {
      for (const release of hanging) release();
      await server.close();
    },
  };
}
