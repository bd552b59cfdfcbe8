/**
 * VC events: the processor's state, a manual run and a reset (admin scope), and the
 * legacy `POST /users/vc/process-event`, which processes one event in the request
 * with the same rules as a window run.
 */
import { z } from 'zod';
import { AppError } from '@vcq/errors';
import { EVENT_TIME_RANGE, LegacyVcEventSchema, type RecordResult, type VcEventsService, type VcEventsStateView } from '@vcq/vc-events';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';
import { readScope } from '../tenancy.js';
import { sendTrigger, type TaskRouteDeps, TaskRunViewSchema, taskRunView, triggerResponses } from './tasks.js';

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

/** `/admin/vc-events/...` (admin scope). */
export const vcEventsAdminRoutes = new RouteGroup<VcEventRouteDeps>()
  .get(
    {
      path: '/admin/vc-events/state',
      operationId: 'getVcEventsState',
      summary: 'How far the VC-event processor has got',
      tag: 'VC events',
      auth: 'admin',
      responses: { 200: { description: 'The state, its lag, outcome counts and the last run.', schema: VcEventsStateResponseSchema } },
    },
    async ({ res, deps }) => {
      const [state, [lastRun]] = await Promise.all([deps.vcEvents.state(), deps.tasks.runs('vc-events', { limit: 1 })]);
      res.json({ success: true, data: { ...stateView(state), configured: deps.vcEvents.configured, lastRun: lastRun ? taskRunView(lastRun) : null } });
    },
  )
  .post(
    {
      path: '/admin/vc-events/run',
      operationId: 'runVcEvents',
      summary: 'Process every due window now',
      description: 'The `vc-events` task, triggered like `POST /admin/tasks/vc-events/run`.',
      tag: 'VC events',
      auth: 'admin',
      responses: {
        ...triggerResponses,
        409: { description: 'No analytics API is configured (ANALYTICS_API_URL).', mediaType: 'application/problem+json', schema: s.ProblemSchema },
      },
    },
    async ({ req, res, deps }) => {
      await sendTrigger(req, res, deps, 'vc-events');
    },
  )
  .post(
    {
      path: '/admin/vc-events/reset',
      operationId: 'resetVcEvents',
      summary: 'Move the processor’s position; the next run processes from there',
      description: 'Records already processed successfully are not processed again, so resetting into the past only picks up what was missed or failed.',
      tag: 'VC events',
      auth: 'admin',
      body: { json: VcEventsResetBodySchema, required: true },
      responses: { 200: { description: 'The new state.', schema: VcEventsResetResponseSchema } },
      problems: [400],
    },
    async ({ body, res, deps }) => {
      res.json({ success: true, data: stateView(await deps.vcEvents.reset(new Date(body.from))) });
    },
  );

/** `/users/vc/...`: the legacy synchronous event route; any key that may submit work may send events. */
export const legacyVcEventRoutes = new RouteGroup<{ vcEvents: VcEventsService }>().post(
  {
    path: '/users/vc/process-event',
    operationId: 'processVcEvent',
    summary: 'Process one VC event now (legacy)',
    description:
      'One analytics record (`id` and `timestamp` optional), processed in the request with the same rules as a window run: its type is mapped through VC_EVENTS_TYPE_MAP and the credential with `vc_public_id` updated. A failure is a 500 problem; sending the event again retries it.',
    tag: 'Legacy',
    auth: 'submit',
    body: { json: LegacyVcEventBodySchema, required: true },
    responses: { 200: { description: 'What processing came to.', schema: VcEventResponseSchema } },
    problems: [400],
  },
  async ({ body: event, req, res, deps }) => {
    const scope = readScope(req);
    const result: RecordResult = await deps.vcEvents.processEvent(event, req.log, scope === undefined ? {} : { organizationId: scope });
    if (result.outcome === 'failed') {
      // Logged as failed; the same event sent again is retried.
      throw new AppError('vc_event_failed', 500, `processing the event failed: ${result.error ?? 'unknown error'}`, { extensions: { recordId: result.recordId } });
    }
    res.json({ success: true, data: result });
  },
);
