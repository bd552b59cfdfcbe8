/**
 * A job's own options over HTTP, the same on every job-creating route: `priority`,
 * `delay` or `runAt`, and `attempts`, as JSON members beside the route's own or as
 * form fields of a multipart upload. They are the envelope's, never a payload's: a
 * credential or claims object keeps whatever members it has.
 */
import { z } from 'zod';
import { type FieldError, ValidationError } from '@vcq/errors';
import { type JobOptions, Priority } from '@vcq/jobs';
import { parseInput } from './validation.js';

/** The names a caller may give a priority by, and the BullMQ priority each stands for. */
export const PRIORITY_NAMES = { critical: Priority.CRITICAL, high: Priority.HIGH, normal: Priority.NORMAL, low: Priority.LOW } as const;
type PriorityName = keyof typeof PRIORITY_NAMES;

/** BullMQ's largest priority (2^21). */
const MAX_PRIORITY = 2_097_152;
/** The furthest ahead a job may be put (90 days): a later one is more likely a unit mistake (s for ms). */
export const MAX_DELAY_MS = 90 * 86_400_000;

export const JobOptionsSchema = z
  .object({
    priority: z
      .union(
        [
          z.enum(Object.keys(PRIORITY_NAMES) as [PriorityName, ...PriorityName[]]),
          z.number().int().min(0).max(MAX_PRIORITY),
        ],
        { error: `must be critical, high, normal or low, or a whole number from 0 (first) to ${MAX_PRIORITY}` },
      )
      .optional()
      .describe('Which waiting job starts first: `critical` (0) < `high` (1) < `normal` (5) < `low` (10), or any BullMQ priority 0–2097152 (lower first). Default: the job type’s (credentials and DIDs `high`, the rest `normal`).'),
    delay: z
      .number({ error: 'must be a whole number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(0, { error: 'must be a whole number of milliseconds >= 0' })
      .max(MAX_DELAY_MS, { error: `must be at most ${MAX_DELAY_MS} (90 days)` })
      .optional()
      .describe('Milliseconds from now before the job may start. Not with `runAt`.'),
    runAt: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone (2026-12-07T18:00:00Z)' })
      .optional()
      .describe('The time before which the job does not start (a past time: now). Not with `delay`.'),
    attempts: z
      .number({ error: 'must be a whole number from 1' })
      .int({ error: 'must be a whole number from 1' })
      .min(1, { error: 'must be at least 1' })
      .max(100, { error: 'must be at most 100' })
      .optional()
      .describe('Attempts in all before the job fails for good (a permanent error still fails at once); at most `MAX_JOB_ATTEMPTS` (default 10). Default: the job type’s (3).'),
  })
  .describe('A job’s own options.');

/** The option names, which every job-creating route's envelope takes besides its own members. */
export const JOB_OPTION_KEYS: readonly string[] = Object.keys(JobOptionsSchema.shape);

/** The platform's options from the parsed HTTP ones. */
function toJobOptions(parsed: z.output<typeof JobOptionsSchema>, now = Date.now()): JobOptions {
  if (parsed.delay !== undefined && parsed.runAt !== undefined) {
    throw new ValidationError('invalid job options', [{ field: 'runAt', message: 'give delay or runAt, not both' }]);
  }
  const runAt = parsed.runAt === undefined ? undefined : new Date(parsed.runAt);
  if (runAt && runAt.getTime() - now > MAX_DELAY_MS) throw new ValidationError('invalid job options', [{ field: 'runAt', message: 'must be at most 90 days ahead' }]);
  const priority = typeof parsed.priority === 'string' ? PRIORITY_NAMES[parsed.priority] : parsed.priority;
  return {
    ...(priority !== undefined ? { priority } : {}),
    ...(parsed.delay !== undefined ? { delayMs: parsed.delay } : {}),
    ...(runAt ? { runAt } : {}),
    ...(parsed.attempts !== undefined ? { attempts: parsed.attempts } : {}),
  };
}

/** A form field's text as the number it spells, else as it is (so the schema names what is wrong). */
const formValue = (key: string, value: unknown) => {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (key === 'runAt' || text === '') return key === 'runAt' ? value : undefined;
  return /^-?\d+$/.test(text) ? Number(text) : key === 'priority' ? text.toLowerCase() : value;
};

/**
 * Splits a request envelope into its job options and the rest, and names the members
 * the route does not take (`unknown`, for the caller to refuse with whatever else is
 * wrong with the request). `allowed` are the route's own members.
 */
export function splitEnvelope(
  envelope: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  source: 'json' | 'form',
): { options: JobOptions; rest: Record<string, unknown>; unknown: FieldError[] } {
  const unknown = Object.keys(envelope)
    .filter((key) => !allowed.has(key) && !JOB_OPTION_KEYS.includes(key))
    .map((field) => ({ field, message: 'is not a field of this request' }));
  const given: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(envelope)) {
    if (!JOB_OPTION_KEYS.includes(key)) rest[key] = value;
    else if (source === 'json') given[key] = value;
    else if (formValue(key, value) !== undefined) given[key] = formValue(key, value);
  }
  return { options: toJobOptions(parseInput(JobOptionsSchema, given, 'job options')), rest, unknown };
}

/**
 * Runs `parse` on a request whose envelope had `unknown` members: they are refused
 * together with whatever `parse` refuses (a 400 naming every field), or alone.
 */
export function refusingUnknown<T>(unknown: FieldError[], parse: () => T): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    if (unknown.length > 0 && error instanceof ValidationError) {
      throw new ValidationError(error.message, [...unknown, ...((error.errors ?? []) as FieldError[])]);
    }
    throw error;
  }
  if (unknown.length > 0) throw new ValidationError(`unknown ${unknown.length === 1 ? 'field' : 'fields'} ${unknown.map((e) => e.field).join(', ')}`, unknown);
  return parsed;
}
