/**
 * Scheduled tasks (admin scope): what is scheduled and how each task last ran, runs
 * of one task, a manual trigger, and `POST /webhooks/retry-all`. Answers are
 * `{success: true, data}` like the queue administration's.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { NotConfiguredError, type TaskName, taskNames, type TaskRun, type Tasks, type TaskScheduleView, type TaskView } from '@vcq/app';
import { CronSchema, isTimeZone } from '@vcq/config';
import * as s from '../openapi/schemas.js';
import { RouteGroup } from '../routing.js';
import { preferWait } from '../submission.js';

const dateTime = z.string().meta({ format: 'date-time' });

export const TaskNameSchema = z
  .enum(taskNames, { error: (issue) => `no task ${String(issue.input)} (tasks: ${taskNames.join(', ')})` })
  .describe('A task name.');

export const TaskRunViewSchema = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    task: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    jobId: z
      .string()
      .meta({ format: 'uuid' })
      .describe('The run’s job: a task run is a job row (`GET /api/jobs/{id}`). A tick’s id is derived from the task and the tick, so one tick is one run.'),
    scheduledFor: dateTime.nullable().describe('The schedule tick it belongs to; null for a manual run.'),
    runner: z.string().nullable().describe('`<host>:<pid>` of the process that ran it; null while it waits.'),
    status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
    result: z.unknown().describe('The task’s report (what it did); a failed VC-events run still reports how far it got.'),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    startedAt: dateTime.nullable(),
    finishedAt: dateTime.nullable(),
    durationMs: z.number().int().nullable(),
  })
  .describe('One execution of a task.');
export type TaskRunView = z.infer<typeof TaskRunViewSchema>;

export const TaskViewSchema = z.object({
  name: TaskNameSchema,
  queue: z.string(),
  jobName: z.string(),
  description: z.string(),
  cron: z.string().describe('Its cron expression (5 fields, or 6 with seconds first), read in `timezone`.'),
  timezone: z.string(),
  enabled: z.boolean().describe('Scheduled: ENABLE_TASK_SCHEDULING and the task’s own switch are on.'),
  scheduled: z.boolean().nullable().describe('Whether the queue holds its schedule; null when the queue is unavailable.'),
  nextRunAt: dateTime.nullable(),
  lastRun: TaskRunViewSchema.nullable(),
});

const ok = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });

export const TaskListResponseSchema = ok(z.object({ schedulingEnabled: z.boolean(), tasks: z.array(TaskViewSchema) }));
export const TaskRunsResponseSchema = ok(z.object({ task: TaskNameSchema, runs: z.array(TaskRunViewSchema) }));
export const TaskTriggerResponseSchema = ok(
  z.object({
    task: TaskNameSchema,
    mode: z.enum(['async', 'sync']).describe('`async`: queued for a worker. `sync`: the queue was unavailable, so it ran in the request.'),
    jobId: z.string().nullable(),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    pollUrl: z.string().nullable(),
    run: TaskRunViewSchema.nullable().describe('The finished run: always in `sync` mode, and with `Prefer: wait=N` when it ended in time.'),
  }),
);
export const RetryAllResponseSchema = ok(TaskRunViewSchema);

export const TaskParamsSchema = z.object({ name: TaskNameSchema });
export const TaskRunsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  jobId: z
    .uuid({ message: 'must be a job id (a UUID)' })
    .optional()
    .describe('Only the runs of this job (the `jobId` a trigger answered).'),
});

const ScheduleFieldsSchema = z.object({
  cron: z.string().describe('Cron expression: 5 fields, or 6 with seconds first.'),
  timezone: z.string().describe('The IANA time zone the cron expression is read in.'),
  enabled: z.boolean(),
});

export const TaskScheduleViewSchema = ScheduleFieldsSchema.extend({
  name: TaskNameSchema,
  enabled: z.boolean().describe('Scheduled: the schedule’s switch, and ENABLE_TASK_SCHEDULING (which keeps every task off when false).'),
  source: z.enum(['environment', 'api']).describe('`api`: set with PUT and kept in Postgres, winning over the environment’s until deleted.'),
  updatedAt: dateTime.nullable().describe('When it was set over the API; null for the environment’s.'),
  defaults: ScheduleFieldsSchema.describe('The environment’s schedule (RECONCILE_CRON, TASK_TIMEZONE, ...): what applies again after DELETE.'),
  schedulingEnabled: z.boolean(),
  scheduled: z.boolean().nullable().describe('Whether the queue holds its schedule; null when the queue is unavailable.'),
  nextRunAt: dateTime.nullable(),
});
export const TaskScheduleResponseSchema = ok(TaskScheduleViewSchema);

/** `PUT /admin/tasks/{name}/schedule`: what is not given keeps the value that applies now. */
export const TaskScheduleBodySchema = z
  .object({
    cron: CronSchema.optional(),
    timezone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' }).optional(),
    enabled: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .strict()
  .refine((b) => b.cron !== undefined || b.timezone !== undefined || b.enabled !== undefined, { message: 'give at least one of cron, timezone, enabled', path: ['cron'] });

function scheduleView(view: TaskScheduleView): z.infer<typeof TaskScheduleViewSchema> {
  return {
    name: view.name,
    cron: view.cron,
    timezone: view.timezone,
    enabled: view.enabled,
    source: view.source,
    updatedAt: view.updatedAt?.toISOString() ?? null,
    defaults: { cron: view.defaults.cron, timezone: view.defaults.timezone, enabled: view.defaults.enabled },
    schedulingEnabled: view.schedulingEnabled,
    scheduled: view.scheduled,
    nextRunAt: view.nextRunAt?.toISOString() ?? null,
  };
}

/** A run as the API shows it. */
export function taskRunView(run: TaskRun): TaskRunView {
  return {
    id: run.id,
    task: run.task,
    trigger: run.trigger,
    jobId: run.jobId,
    scheduledFor: run.scheduledFor?.toISOString() ?? null,
    runner: run.runner,
    status: run.status,
    result: run.result,
    error: run.error,
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.durationMs,
  };
}

function taskView(task: TaskView): z.infer<typeof TaskViewSchema> {
  return { ...task, nextRunAt: task.nextRunAt?.toISOString() ?? null, lastRun: task.lastRun ? taskRunView(task.lastRun) : null };
}

export interface TaskRouteDeps {
  tasks: Tasks;
  schedulingEnabled: boolean;
  preferWaitMaxSeconds: number;
  /** Tasks that cannot run in this deployment, and why (answered 409 instead of queued). */
  unavailable: Partial<Record<TaskName, string>>;
}

/**
 * Triggers a task and answers: 202 once queued (with `Prefer: wait=N`, 200 with the
 * run if it ends within N seconds), or 200 with the run when it ran in the request.
 */
export async function sendTrigger(req: Request, res: Response, deps: TaskRouteDeps, task: TaskName): Promise<void> {
  const why = deps.unavailable[task];
  if (why) throw new NotConfiguredError(why);
  const triggered = await deps.tasks.trigger(task);
  if (triggered.mode === 'sync') {
    res.json({ success: true, data: { task, mode: 'sync', jobId: null, status: triggered.run.status, pollUrl: null, run: taskRunView(triggered.run) } });
    return;
  }
  const pollUrl = `/admin/tasks/${task}/runs?jobId=${encodeURIComponent(triggered.jobId)}`;
  const wait = preferWait(req, deps.preferWaitMaxSeconds);
  if (wait !== undefined) {
    res.setHeader('Preference-Applied', `wait=${wait}`);
    const run = wait > 0 ? await deps.tasks.waitForEnd(triggered.jobId, wait * 1000) : null;
    if (run) {
      res.json({ success: true, data: { task, mode: 'async', jobId: triggered.jobId, status: run.status, pollUrl, run: taskRunView(run) } });
      return;
    }
  }
  res
    .status(202)
    .location(pollUrl)
    .json({ success: true, data: { task, mode: 'async', jobId: triggered.jobId, status: 'queued', pollUrl, run: null } });
}

/** The answers of a trigger: the run when it ended in time, else where to poll it. */
export const triggerResponses = {
  200: { description: 'The finished run (in the request, or waited for).', schema: TaskTriggerResponseSchema, headers: ['PreferenceApplied'] },
  202: { description: 'Queued; poll `pollUrl` (also in `Location`).', schema: TaskTriggerResponseSchema, headers: ['Location'] },
};

/** `/admin/tasks/...` (admin scope). */
export const taskAdminRoutes = new RouteGroup<TaskRouteDeps>()
  .get(
    {
      path: '/admin/tasks',
      operationId: 'listTasks',
      summary: 'Every scheduled task: its cron, whether it is on, its next tick and its last run',
      tag: 'Tasks',
      auth: 'admin',
      responses: { 200: { description: 'The tasks.', schema: TaskListResponseSchema } },
    },
    async ({ res, deps }) => {
      const tasks = await deps.tasks.describe();
      res.json({ success: true, data: { schedulingEnabled: deps.schedulingEnabled, tasks: tasks.map(taskView) } });
    },
  )
  .get(
    {
      path: '/admin/tasks/{name}/runs',
      operationId: 'listTaskRuns',
      summary: 'Recent runs of a task, newest first',
      tag: 'Tasks',
      auth: 'admin',
      params: TaskParamsSchema,
      query: TaskRunsQuerySchema,
      responses: { 200: { description: 'The runs.', schema: TaskRunsResponseSchema } },
      problems: [400, 404],
    },
    async ({ params: { name }, query, res, deps }) => {
      const runs = await deps.tasks.runs(name, { limit: query.limit, ...(query.jobId ? { jobId: query.jobId } : {}) });
      res.json({ success: true, data: { task: name, runs: runs.map(taskRunView) } });
    },
  )
  .get(
    {
      path: '/admin/tasks/{name}/schedule',
      operationId: 'getTaskSchedule',
      summary: 'A task’s schedule: the one that applies, where it comes from, and its next tick',
      tag: 'Tasks',
      auth: 'admin',
      params: TaskParamsSchema,
      responses: { 200: { description: 'The schedule.', schema: TaskScheduleResponseSchema } },
      problems: [404],
    },
    async ({ params: { name }, res, deps }) => {
      res.json({ success: true, data: scheduleView(await deps.tasks.schedule(name)) });
    },
  )
  .put(
    {
      path: '/admin/tasks/{name}/schedule',
      operationId: 'setTaskSchedule',
      summary: 'Set a task’s cron, time zone or switch at run time',
      description:
        'Kept in Postgres and winning over the environment’s schedule until deleted; applied to the queue before the answer when it is available, and by every worker within SETTINGS_POLL_MS (default 2 s). Fields not given keep the value that applies now. A tick is still one run: its job id is derived from the task and the tick’s time.',
      tag: 'Tasks',
      auth: 'admin',
      params: TaskParamsSchema,
      body: { json: TaskScheduleBodySchema, required: true },
      responses: { 200: { description: 'The schedule now.', schema: TaskScheduleResponseSchema } },
      problems: [400, 404],
    },
    async ({ params: { name }, body, res, deps }) => {
      const current = await deps.tasks.schedule(name);
      // An `enabled` not given keeps the task's switch; with ENABLE_TASK_SCHEDULING=false every
      // task reads as off whatever its own switch, which is then taken as on.
      const enabled = body.enabled ?? (current.schedulingEnabled ? current.enabled : true);
      const next = { cron: body.cron ?? current.cron, timezone: body.timezone ?? current.timezone, enabled };
      res.json({ success: true, data: scheduleView(await deps.tasks.setSchedule(name, next)) });
    },
  )
  .delete(
    {
      path: '/admin/tasks/{name}/schedule',
      operationId: 'resetTaskSchedule',
      summary: 'Drop a task’s schedule set over the API: the environment’s applies again',
      tag: 'Tasks',
      auth: 'admin',
      params: TaskParamsSchema,
      responses: { 200: { description: 'The schedule now (the environment’s).', schema: TaskScheduleResponseSchema } },
      problems: [404],
    },
    async ({ params: { name }, res, deps }) => {
      res.json({ success: true, data: scheduleView(await deps.tasks.setSchedule(name, null)) });
    },
  )
  .post(
    {
      path: '/admin/tasks/{name}/run',
      operationId: 'runTask',
      summary: 'Run a task now',
      description:
        'Queued for a worker (202; poll `pollUrl`); with `Prefer: wait=N`, 200 with the run when it ends within N seconds. When the queue is unavailable the task runs in the request (200, `mode: "sync"`).',
      tag: 'Tasks',
      auth: 'admin',
      params: TaskParamsSchema,
      responses: {
        ...triggerResponses,
        409: { description: 'The task cannot run in this deployment (`vc-events` without ANALYTICS_API_URL).', mediaType: 'application/problem+json', schema: s.ProblemSchema },
      },
      problems: [404],
    },
    async ({ params: { name }, req, res, deps }) => {
      await sendTrigger(req, res, deps, name);
    },
  );

/** `POST /webhooks/retry-all` (admin): the webhook retry sweep, now and in the request, for every delivery that is due, with no grace period. */
export const webhookAdminRoutes = new RouteGroup<{ tasks: Tasks }>().post(
  {
    path: '/webhooks/retry-all',
    operationId: 'retryAllWebhooks',
    summary: 'Re-queue every webhook delivery that is due but not on the queue, now',
    description: 'Runs the webhook-retry-sweep task in the request with no grace period and answers its run; `result` counts what was due, on the queue and re-queued.',
    tag: 'Tasks',
    auth: 'admin',
    responses: { 200: { description: 'The sweep’s run.', schema: RetryAllResponseSchema } },
  },
  async ({ res, deps }) => {
    // Run to the end even if the caller goes away: it is short and every step is idempotent.
    const run = await deps.tasks.runHere('webhook-retry-sweep');
    res.json({ success: true, data: taskRunView(run) });
  },
);
