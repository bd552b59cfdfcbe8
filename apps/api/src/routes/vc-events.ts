/**
 * VC events: the processor's state, a manual run and a reset (admin scope), and the
 * legacy `POST /users/vc/process-event`, which processes one event in the request
 * with the same rules as a window run.
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import { AppError, ValidationError } from '@vcq/errors';
import { EVENT_TIME_RANGE, LegacyVcEventSchema, type RecordResult, type VcEventsService, type VcEventsStateView } from '@vcq/vc-events';
import { readScope } from '../tenancy.js';
import { parseInput } from '../validation.js';
import { sendTrigger, type TaskRouteDeps, TaskRunViewSchema, taskRunView } from './tasks.js';

const dateTime = z.string().meta({ format: 'date-time' });
const ok = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

export const VcEventsResetBodySchema = z.object({
  from: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time (e.g. 2026-01-01T00:00:00Z)' })
    .refine((v) => !(Date.parse(v) < EVENT_TIME_RANGE.min), { message: 'must be a date-time from 1970 on' })
    .describe('The next run processes from here on (from 1970, not in the future).'),
});

export const VcEventsStateSchema = z.object({
  name: z.string(),
  initialised: z.boolean().describe('False until the first run, which sets `lastProcessedTo` to its start and processes nothing.'),
  lastProcessedTo: dateTime.nullable().describe('Everything before this has been processed.'),
  nextWindow: z.object({ from: dateTime, to: dateTime }).nullable().describe('What a run now would process first.'),
  lagMs: z.number().int().nullable().describe('How far `lastProcessedTo` is behind now − VC_EVENTS_LOOKBACK.'),
  lookbackMs: z.number().int(),
  maxWindowMs: z.number().int(),
  updatedAt: dateTime.nullable(),
  outcomes: z.object({ success: z.number().int(), failed: z.number().int(), skipped: z.number().int() }).describe('Logged records per outcome.'),
});
export const VcEventsStateResponseSchema = ok(
  VcEventsStateSchema.extend({
    configured: z.boolean().describe('ANALYTICS_API_URL is set.'),
    lastRun: TaskRunViewSchema.nullable(),
  }),
);
export const VcEventsResetResponseSchema = ok(VcEventsStateSchema);

export const VcEventResultSchema = z.object({
  recordId: z.string().describe('The record id (derived from the event when it sent none).'),
  vcPublicId: z.string(),
  type: z.string(),
  mappedStatus: z.enum(['issued', 'revoked']).nullable(),
  outcome: z.enum(['success', 'skipped', 'duplicate']).describe('`duplicate`: this record was already processed successfully, so nothing was done.'),
  error: z.string().nullable().describe('Why it was skipped.'),
  credentialId: z.string().nullable(),
});
export const VcEventResponseSchema = ok(VcEventResultSchema);

/** The legacy route's body (`id` and `timestamp` optional). */
export const LegacyVcEventBodySchema = LegacyVcEventSchema;

export interface VcEventRouteDeps extends TaskRouteDeps {
  vcEvents: VcEventsService;
}

// The documented state and the service's view must keep the same fields.
const stateView = (state: VcEventsStateView): z.infer<typeof VcEventsStateSchema> => state;

/** `/admin/vc-events/...` (mounted behind the admin scope). */
export function vcEventsAdminRoutes(deps: VcEventRouteDeps): Router {
  const router = Router();

  router.get('/state', async (_req, res) => {
    const [state, [lastRun]] = await Promise.all([deps.vcEvents.state(), deps.tasks.runs.list('vc-events', { limit: 1 })]);
    res.json({ success: true, data: { ...stateView(state), configured: deps.vcEvents.configured, lastRun: lastRun ? taskRunView(lastRun) : null } });
  });

  router.post('/run', async (req, res) => {
    await sendTrigger(req, res, deps, 'vc-events');
  });

  router.post('/reset', async (req, res) => {
    const { from } = parseInput(VcEventsResetBodySchema, jsonBody(req), 'body');
    res.json({ success: true, data: stateView(await deps.vcEvents.reset(new Date(from))) });
  });

  return router;
}

/** `/users/vc/...`: the legacy synchronous event route (mounted behind the submit scope). */
export function legacyVcEventRoutes(deps: { vcEvents: VcEventsService }): Router {
  const router = Router();
  router.post('/process-event', async (req, res) => {
    const event = parseInput(LegacyVcEventBodySchema, jsonBody(req), 'body');
    const scope = readScope(req);
    const result: RecordResult = await deps.vcEvents.processEvent(event, req.log, scope === undefined ? {} : { organizationId: scope });
    if (result.outcome === 'failed') {
      // Logged as failed; the same event sent again is retried.
      throw new AppError('vc_event_failed', 500, `processing the event failed: ${result.error ?? 'unknown error'}`, { extensions: { recordId: result.recordId } });
    }
    res.json({ success: true, data: result });
  });
  return router;
}

/** A JSON body; express.json leaves a request without one undefined. */
function jsonBody(req: Request): unknown {
  if (req.body === undefined) {
    throw new ValidationError('send a JSON body (content-type: application/json)', [{ field: '(body)', message: 'must be a JSON object' }]);
  }
  return req.body;
}
