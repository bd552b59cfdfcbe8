/**
 * The VC-event service the job platform and the API use: runs, single events (the
 * legacy route), and the state's read and reset.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_ORGANIZATION, type Db } from '@vcq/db';
import { ValidationError } from '@vcq/errors';
import { type AnalyticsClientOptions, createAnalyticsClient } from './analytics-client.js';
import { createCredentialDirectory, type CredentialDirectoryDeps } from './credential-directory.js';
import { createProcessingLog, type VcEventOutcome } from './processing-log.js';
import { type ProcessorDeps, processRecord, type RecordResult, type RunReport, runWindows, VC_EVENTS_STATE } from './processor.js';
import { EVENT_TIME_RANGE, type LegacyVcEvent } from './record.js';
import { createCronStateStore } from './state.js';
import type { CredentialStatusName, VcEventsLogger } from './types.js';

export interface VcEventsServiceDeps {
  db: Db;
  /** Null when ANALYTICS_API_URL is not set: runs are refused, single events still work. */
  analytics: AnalyticsClientOptions | null;
  revoke: CredentialDirectoryDeps['revoke'];
  typeMap: Record<string, CredentialStatusName>;
  lookbackMs: number;
  maxWindowMs: number;
  logger: VcEventsLogger;
  now?: () => Date;
}

export interface VcEventsStateView {
  name: string;
  /** False until the first run. */
  initialised: boolean;
  lastProcessedTo: string | null;
  /** What a run now would process first: `[lastProcessedTo, min(+maxWindow, now - lookback))`. */
  nextWindow: { from: string; to: string } | null;
  /** How far `lastProcessedTo` is behind `now - lookback` (0 when caught up). */
  lagMs: number | null;
  lookbackMs: number;
  maxWindowMs: number;
  updatedAt: string | null;
  /** Logged records per outcome. */
  outcomes: Record<VcEventOutcome, number>;
}

export interface VcEventsService {
  /** Whether runs can read the analytics API (ANALYTICS_API_URL is set). */
  readonly configured: boolean;
  /** One run over every due window (see `runWindows`). */
  run(options?: { signal?: AbortSignal; logger?: VcEventsLogger }): Promise<RunReport>;
  /**
   * One event, processed now with the same rules (the legacy route). With an
   * `organizationId` only that organization's credentials are looked at, and the
   * event's id is its own: ids of other organizations never meet it.
   */
  processEvent(event: LegacyVcEvent, logger?: VcEventsLogger, scope?: { organizationId?: string }): Promise<RecordResult>;
  state(): Promise<VcEventsStateView>;
  /** Moves `lastProcessedTo` to `from` (not in the future); the next run starts there. */
  reset(from: Date): Promise<VcEventsStateView>;
}

export function createVcEventsService(deps: VcEventsServiceDeps): VcEventsService {
  const now = deps.now ?? (() => new Date());
  const state = createCronStateStore(deps.db);
  const log = createProcessingLog(deps.db);
  const analytics = deps.analytics ? createAnalyticsClient(deps.analytics) : null;
  const processorDeps = (logger: VcEventsLogger, organizationId?: string): ProcessorDeps => ({
    analytics,
    state,
    log,
    credentials: createCredentialDirectory({ db: deps.db, revoke: deps.revoke }),
    typeMap: deps.typeMap,
    lookbackMs: deps.lookbackMs,
    maxWindowMs: deps.maxWindowMs,
    logger,
    now,
    ...(organizationId !== undefined ? { organizationId } : {}),
  });

  const view = async (): Promise<VcEventsStateView> => {
    const [row, outcomes] = await Promise.all([state.get(VC_EVENTS_STATE), log.counts()]);
    const end = now().getTime() - deps.lookbackMs;
    const from = row?.lastProcessedTo.getTime();
    return {
      name: VC_EVENTS_STATE,
      initialised: row !== null,
      lastProcessedTo: row?.lastProcessedTo.toISOString() ?? null,
      nextWindow:
        from !== undefined && from < end ? { from: new Date(from).toISOString(), to: new Date(Math.min(from + deps.maxWindowMs, end)).toISOString() } : null,
      lagMs: from === undefined ? null : Math.max(0, end - from),
      lookbackMs: deps.lookbackMs,
      maxWindowMs: deps.maxWindowMs,
      updatedAt: row?.updatedAt.toISOString() ?? null,
      outcomes,
    };
  };

  return {
    configured: analytics !== null,
    run: (options = {}) => runWindows(processorDeps(options.logger ?? deps.logger), options.signal ? { signal: options.signal } : {}),

    processEvent(event, logger = deps.logger, scope = {}) {
      const org = scope.organizationId;
      // The default organization keeps the ids it always had; others' are prefixed with
      // theirs, so one organization's event can neither shadow nor reveal another's.
      const namespaced = org !== undefined && org !== DEFAULT_ORGANIZATION;
      const id =
        event.id ??
        `event:${createHash('sha256')
          .update(`${namespaced ? `${org}\n` : ''}${event.vc_public_id}\n${event.type}\n${event.timestamp ?? ''}`)
          .digest('hex')
          .slice(0, 32)}`;
      const recordId = namespaced && event.id !== undefined ? `${org}:${id}` : id;
      return processRecord(processorDeps(logger, org), { ...event, id: recordId, timestamp: event.timestamp ?? now().toISOString() }, null);
    },

    state: view,

    async reset(from) {
      if (Number.isNaN(from.getTime()) || from.getTime() < EVENT_TIME_RANGE.min) {
        throw new ValidationError('invalid reset', [{ field: 'from', message: 'must be a date-time from 1970 on' }]);
      }
      if (from.getTime() > now().getTime()) {
        throw new ValidationError('invalid reset', [{ field: 'from', message: 'must not be in the future' }]);
      }
      await state.reset(VC_EVENTS_STATE, from);
      deps.logger.info({ lastProcessedTo: from.toISOString() }, 'vc events state reset');
      return view();
    },
  };
}
