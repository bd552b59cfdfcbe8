/**
 * The VC-event window processor: one record at a time (`processRecord`) and one run
 * over every window from `CronState.lastProcessedTo` to `now - lookback`
 * (`runWindows`). Records are processed idempotently (a success is never repeated),
 * and the state advances only after a whole window's batch is done, so a crash or an
 * API error at any point loses nothing: the next run starts from the last finished
 * window.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_ORGANIZATION } from '@vcq/db';
import { describeError } from '@vcq/errors';
import { AnalyticsApiError, type AnalyticsClient } from './analytics-client.js';
import { type CredentialDirectory, RevokedCredentialError } from './credential-directory.js';
import type { ProcessingLog, VcEventOutcome } from './processing-log.js';
import { type ParsedRecord, parseRecord, type VcSummaryRecord } from './record.js';
import type { CronStateStore } from './state.js';
import type { CredentialStatusName, VcEventsLogger } from './types.js';

/** The CronState row of the VC-event processor. */
export const VC_EVENTS_STATE = 'vc-events';

export interface Window {
  from: Date;
  to: Date;
}

export interface RecordResult {
  recordId: string;
  vcPublicId: string;
  type: string;
  mappedStatus: CredentialStatusName | null;
  /** `duplicate`: already logged as success, so not processed (and not logged) again. */
  outcome: VcEventOutcome | 'duplicate';
  error: string | null;
  credentialId: string | null;
}

export interface WindowReport {
  from: string;
  to: string;
  found: number;
  success: number;
  failed: number;
  skipped: number;
  duplicate: number;
}

export interface RunReport {
  /**
   * initialised: the first run, which only sets the state to now. completed: every
   * window up to now - lookback is done. up_to_date: there was nothing to do yet.
   * api_error: the analytics API failed; the state stays at the last finished window.
   * interrupted: stopped between windows (shutdown, or the state changed underneath).
   */
  status: 'initialised' | 'completed' | 'up_to_date' | 'api_error' | 'interrupted';
  windows: WindowReport[];
  totals: { found: number; success: number; failed: number; skipped: number; duplicate: number };
  lastProcessedTo: string;
  error: string | null;
}

export interface ProcessorDeps {
  analytics: AnalyticsClient | null;
  state: CronStateStore;
  log: ProcessingLog;
  credentials: CredentialDirectory;
  /** VC_EVENTS_TYPE_MAP. */
  typeMap: Record<string, CredentialStatusName>;
  /** VC_EVENTS_LOOKBACK (ms). */
  lookbackMs: number;
  /** VC_EVENTS_MAX_WINDOW (ms). */
  maxWindowMs: number;
  logger: VcEventsLogger;
  now?: () => Date;
  /**
   * Only this organization's credentials are looked at (the legacy route, for its
   * key's organization); every organization's when not given (window runs).
   */
  organizationId?: string;
}

/** A run stopped because the analytics API failed; `report` says how far it got. */
export class VcEventsRunError extends AnalyticsApiError {
  override name = 'VcEventsRunError';
  constructor(
    readonly report: RunReport,
    cause: AnalyticsApiError,
  ) {
    super(cause.message, cause.details, { cause });
  }
}

/** Processes one record: map, find, update, log. Only a failure to write the log throws. */
export async function processRecord(deps: ProcessorDeps, raw: unknown, window: Window | null): Promise<RecordResult> {
  const parsed = parseRecord(raw);
  return parsed.ok ? processValid(deps, parsed.record, window, false) : processMalformed(deps, parsed, raw, window);
}

/** A record that does not match the schema: logged as failed, unless that id already succeeded. */
async function processMalformed(deps: ProcessorDeps, parsed: Extract<ParsedRecord, { ok: false }>, raw: unknown, window: Window | null): Promise<RecordResult> {
  // Without an id the record could never be found again; its content names it instead.
  const recordId = parsed.recordId || `malformed:${createHash('sha256').update(JSON.stringify(raw) ?? '').digest('hex').slice(0, 32)}`;
  const result: RecordResult = { recordId, vcPublicId: parsed.vcPublicId, type: parsed.type, mappedStatus: null, outcome: 'failed', error: parsed.error, credentialId: null };
  if ((await deps.log.succeeded([recordId])).has(recordId)) return { ...result, outcome: 'duplicate', error: null };
  await writeLog(deps, result, null, window, null);
  deps.logger.error({ recordId, error: parsed.error }, 'vc event failed');
  return result;
}

async function processValid(deps: ProcessorDeps, record: VcSummaryRecord, window: Window | null, knownNew: boolean): Promise<RecordResult> {
  const fields = { recordId: record.id, vcPublicId: record.vc_public_id, type: record.type };
  if (!knownNew && (await deps.log.succeeded([record.id])).has(record.id)) {
    return { ...fields, mappedStatus: null, outcome: 'duplicate', error: null, credentialId: null };
  }
  const mappedStatus = Object.hasOwn(deps.typeMap, record.type) ? (deps.typeMap[record.type] as CredentialStatusName) : null;
  let outcome: VcEventOutcome;
  let error: string | null = null;
  let credentialId: string | null = null;
  let owner: string | null = null;
  if (!mappedStatus) {
    outcome = 'skipped';
    error = `unknown type "${record.type}"`;
    deps.logger.warn(fields, `vc event skipped: unknown type "${record.type}" (not in VC_EVENTS_TYPE_MAP)`);
  } else {
    try {
      const credential = await deps.credentials.findByPublicId(record.vc_public_id, deps.organizationId);
      if (credential) {
        credentialId = credential.id;
        owner = credential.organizationId;
        const change = await deps.credentials.setStatus(credential, mappedStatus);
        outcome = 'success';
        deps.logger.info({ ...fields, credentialId, status: mappedStatus, change }, 'vc event processed');
      } else {
        outcome = 'skipped';
        error = `no credential with vc_public_id ${record.vc_public_id}`;
        deps.logger.warn(fields, 'vc event skipped: no credential with this vc_public_id');
      }
    } catch (failure) {
      error = describeError(failure).message;
      if (failure instanceof RevokedCredentialError) {
        outcome = 'skipped';
        deps.logger.warn({ ...fields, credentialId }, `vc event skipped: ${error}`);
      } else {
        outcome = 'failed';
        deps.logger.error({ ...fields, credentialId, err: failure }, 'vc event failed');
      }
    }
  }
  const result: RecordResult = { ...fields, mappedStatus, outcome, error, credentialId };
  // Outside the try: failing to record an outcome is not the record's failure; it stops the run.
  await writeLog(deps, result, new Date(record.timestamp), window, owner);
  return result;
}

/** Logs a record's outcome under the organization of its credential (else the one it was sent for). */
function writeLog(deps: ProcessorDeps, result: RecordResult, recordTimestamp: Date | null, window: Window | null, owner: string | null): Promise<void> {
  return deps.log.record({
    recordId: result.recordId,
    vcPublicId: result.vcPublicId,
    type: result.type,
    mappedStatus: result.mappedStatus,
    outcome: result.outcome as VcEventOutcome,
    error: result.error,
    credentialId: result.credentialId,
    recordTimestamp,
    window,
    organizationId: owner ?? deps.organizationId ?? DEFAULT_ORGANIZATION,
  });
}

/** Processes one window's records (already fetched) and counts the outcomes. */
async function processBatch(deps: ProcessorDeps, records: unknown[], window: Window): Promise<WindowReport> {
  const report: WindowReport = { from: window.from.toISOString(), to: window.to.toISOString(), found: records.length, success: 0, failed: 0, skipped: 0, duplicate: 0 };
  // Oldest first whatever order the pages came in, so two events of one credential
  // apply in the order they happened (a stable sort keeps the API's order for ties).
  const parsed = records.map((raw) => ({ raw, p: parseRecord(raw) }));
  const at = (entry: (typeof parsed)[number]) => (entry.p.ok ? Date.parse(entry.p.record.timestamp) : Number.POSITIVE_INFINITY);
  parsed.sort((a, b) => at(a) - at(b));
  // One query for the whole batch instead of one per record.
  const seen = await deps.log.succeeded(parsed.flatMap(({ p }) => (p.ok ? [p.record.id] : [])));
  for (const { raw, p } of parsed) {
    // Already a success, or met earlier in this batch (offset pagination can repeat a record).
    if (p.ok && seen.has(p.record.id)) {
      report.duplicate++;
      continue;
    }
    const result = p.ok ? await processValid(deps, p.record, window, true) : await processMalformed(deps, p, raw, window);
    if (p.ok) seen.add(p.record.id);
    report[result.outcome]++;
  }
  return report;
}

/** One run over every window that is due (see RunReport for how it ends). */
export async function runWindows(deps: ProcessorDeps, options: { signal?: AbortSignal } = {}): Promise<RunReport> {
  const now = (deps.now ?? (() => new Date()))();
  const { logger } = deps;
  const windows: WindowReport[] = [];
  const totals = { found: 0, success: 0, failed: 0, skipped: 0, duplicate: 0 };
  const report = (status: RunReport['status'], lastProcessedTo: Date, error: string | null = null): RunReport => ({
    status,
    windows,
    totals,
    lastProcessedTo: lastProcessedTo.toISOString(),
    error,
  });
  const summary = (r: RunReport): RunReport => {
    const line = { status: r.status, windows: r.windows.length, ...r.totals, lastProcessedTo: r.lastProcessedTo };
    if (r.status === 'api_error') logger.error({ ...line, error: r.error }, 'vc events run stopped: analytics API error; state left at the last finished window');
    else logger.info(line, 'vc events run finished');
    return r;
  };

  logger.info({ at: now.toISOString() }, 'vc events run started');
  if (!deps.analytics) throw new Error('ANALYTICS_API_URL is not set: the VC-event processor has no analytics API to read');
  const state = await deps.state.get(VC_EVENTS_STATE);
  if (!state) {
    // Nothing before now is processed on the first run: history is not replayed
    // unless an operator asks for it (POST /admin/vc-events/reset).
    await deps.state.initialise(VC_EVENTS_STATE, now);
    logger.info({ lastProcessedTo: now.toISOString() }, 'vc events state initialised; the next run starts here');
    return summary(report('initialised', now));
  }

  const end = new Date(now.getTime() - deps.lookbackMs);
  let from = state.lastProcessedTo;
  if (from.getTime() >= end.getTime()) return summary(report('up_to_date', from));

  while (from.getTime() < end.getTime()) {
    if (options.signal?.aborted) return summary(report('interrupted', from, 'stopped before the next window (shutting down)'));
    const window = { from, to: new Date(Math.min(from.getTime() + deps.maxWindowMs, end.getTime())) };
    logger.info({ from: window.from.toISOString(), to: window.to.toISOString() }, 'vc events window');
    let fetched: { records: unknown[]; pages: number };
    try {
      fetched = await deps.analytics.fetchWindow(window, options.signal);
    } catch (error) {
      if (error instanceof AnalyticsApiError) {
        const failed = summary(report('api_error', from, error.message));
        throw new VcEventsRunError(failed, error);
      }
      throw error;
    }
    logger.info({ from: window.from.toISOString(), to: window.to.toISOString(), found: fetched.records.length, pages: fetched.pages }, `vc events found ${fetched.records.length}`);
    const batch = await processBatch(deps, fetched.records, window);
    windows.push(batch);
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += batch[key];
    if (!(await deps.state.advance(VC_EVENTS_STATE, window.from, window.to))) {
      const current = await deps.state.get(VC_EVENTS_STATE);
      logger.warn({ expected: window.from.toISOString(), found: current?.lastProcessedTo.toISOString() }, 'vc events state changed during the run (a reset or another run); stopping');
      return summary(report('interrupted', current?.lastProcessedTo ?? window.from, 'the state changed during the run'));
    }
    from = window.to;
  }
  return summary(report('completed', from));
}
