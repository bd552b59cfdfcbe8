/**
 * The VC-event window processor against a real Postgres (its own database, real
 * credentials issued by the credentials service) and a real analytics API on
 * loopback. The clock is the processor's own dependency, so windows are exact and
 * nothing waits on time.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialsService, type CredentialsService } from '@vcq/credentials';
import { createDb, type Db } from '@vcq/db';
import { createEgressClient } from '@vcq/egress';
import { INTERNAL_ERROR_MESSAGE } from '@vcq/errors';
import { createTestDatabase } from '@vcq/testing';
import {
  AnalyticsApiError,
  createAnalyticsClient,
  createVcEventsService,
  type RunReport,
  type VcEventsLogger,
  type VcEventsService,
  VcEventsRunError,
  type VcSummaryRecordInput,
} from '../src/index.js';
import { type AnalyticsServer, startAnalyticsServer } from './analytics-server.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let credentials: CredentialsService;
let api: AnalyticsServer;
let issuerDid: string;

beforeAll(async () => {
  database = await createTestDatabase('vcq_vc_events');
  db = createDb(database.url, { poolSize: 4 });
  credentials = createCredentialsService({
    db,
    keyEncryptionKey: randomBytes(32),
    publicBaseUrl: 'http://127.0.0.1:9',
    didWebAllowHttpHosts: [],
    fetchTimeoutMs: 2000,
    egress: createEgressClient({ allowPrivateHosts: [], timeoutMs: 2000, maxBytes: 1024 * 1024 }),
  });
  issuerDid = (await credentials.dids.create({ method: 'key' })).did;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

beforeEach(async () => {
  api = await startAnalyticsServer();
  // Each test starts from no state and an empty log.
  await db.$executeRaw`TRUNCATE cron_state, vc_event_processing_logs`;
});

afterEach(async () => {
  await api.close();
});

/** A logger that keeps every line, to check what the processor said. */
function memoryLogger() {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  const logger: VcEventsLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/** A service over this database and the fake API, with a clock the test moves. */
function service(options: { typeMap?: Record<string, 'issued' | 'revoked'>; lookbackMs?: number; maxWindowMs?: number; pageSize?: number; timeoutMs?: number; start?: Date } = {}) {
  const clock = { now: options.start ?? new Date('2026-03-01T12:00:00.000Z') };
  const { logger, lines } = memoryLogger();
  const vc: VcEventsService = createVcEventsService({
    db,
    analytics: { baseUrl: api.url, apiKey: api.apiKey, timeoutMs: options.timeoutMs ?? 2000, pageSize: options.pageSize ?? 100, maxPages: 50 },
    revoke: (id) => credentials.credentials.revoke(id),
    typeMap: options.typeMap ?? { record_anchored: 'issued', record_revoked: 'revoked' },
    lookbackMs: options.lookbackMs ?? 5 * MINUTE,
    maxWindowMs: options.maxWindowMs ?? 6 * HOUR,
    logger,
    now: () => clock.now,
  });
  const advance = (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms);
  };
  return { vc, clock, advance, lines };
}

/** A real credential, issued by vcq; its public id is what the analytics API reports. */
async function issue(): Promise<{ id: string; publicId: string }> {
  const subject = (await credentials.dids.create({ method: 'key' })).did;
  const result = await credentials.credentials.issue({ issuerDid, subjectDid: subject, credentialType: 'AgriQualityCertificate', claims: { grade: 'A' } });
  return { id: result.credentialId, publicId: `urn:uuid:${result.credentialId}` };
}

const record = (vcPublicId: string, at: Date, type = 'record_anchored', id: string = randomUUID()): VcSummaryRecordInput => ({
  id,
  vc_public_id: vcPublicId,
  type,
  timestamp: at.toISOString(),
});

const logRow = async (recordId: string) => db.vcEventProcessingLog.findUnique({ where: { recordId } });
const stateRow = async () => db.cronState.findUnique({ where: { name: 'vc-events' } });

describe('a run', () => {
  it('when it is the very first run, then the state is set to now and nothing is fetched', async () => {
    const { vc, clock } = service();
    const report = await vc.run();
    expect(report.status).toBe('initialised');
    expect((await stateRow())?.lastProcessedTo.toISOString()).toBe(clock.now.toISOString());
    expect(api.requests).toHaveLength(0);
  });

  it('when records arrived since the last run, then each is applied and logged, and the state moves to now - lookback', async () => {
    const { vc, clock, advance, lines } = service({ typeMap: { record_anchored: 'issued', record_revoked: 'revoked' } });
    await vc.run();
    const start = clock.now;
    const [anchored, revoked] = [await issue(), await issue()];
    api.add(record(anchored.publicId, new Date(start.getTime() + 10 * MINUTE), 'record_anchored', 'r-1'));
    api.add(record(revoked.publicId, new Date(start.getTime() + 20 * MINUTE), 'record_revoked', 'r-2'));
    advance(HOUR);

    const report = await vc.run();
    expect(report).toMatchObject({ status: 'completed', totals: { found: 2, success: 2, failed: 0, skipped: 0, duplicate: 0 } });
    expect(report.windows).toEqual([expect.objectContaining({ from: start.toISOString(), to: new Date(clock.now.getTime() - 5 * MINUTE).toISOString(), found: 2 })]);
    expect((await stateRow())?.lastProcessedTo.toISOString()).toBe(new Date(clock.now.getTime() - 5 * MINUTE).toISOString());
    expect(api.requests.map((r) => [r.from, r.to, r.apiKey])).toEqual([[start.toISOString(), report.lastProcessedTo, api.apiKey]]);

    expect((await credentials.credentials.get(revoked.id))?.status).toBe('revoked');
    expect((await credentials.credentials.get(anchored.id))?.status).toBe('issued');
    expect(await logRow('r-1')).toMatchObject({ vcPublicId: anchored.publicId, type: 'record_anchored', mappedStatus: 'issued', outcome: 'success', credentialId: anchored.id, attempts: 1 });
    expect(await logRow('r-2')).toMatchObject({ mappedStatus: 'revoked', outcome: 'success', windowFrom: start });

    const messages = lines.map((l) => l.msg);
    expect(messages[0]).toBe('vc events run started');
    expect(messages).toContain('vc events window');
    expect(messages).toContain('vc events found 2');
    expect(messages.filter((m) => m === 'vc event processed')).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ msg: 'vc events run finished', obj: { status: 'completed', found: 2, success: 2, failed: 0, skipped: 0 } });
  });

  it('when a window has several pages, then every page is read', async () => {
    const { vc, clock, advance } = service({ pageSize: 2 });
    await vc.run();
    const credential = await issue();
    const ids = Array.from({ length: 5 }, (_, i) => `paged-${i}`);
    for (const [i, id] of ids.entries()) api.add(record(credential.publicId, new Date(clock.now.getTime() + (i + 1) * MINUTE), 'record_anchored', id));
    advance(HOUR);
    const report = await vc.run();
    expect(report.totals).toMatchObject({ found: 5, success: 5 });
    expect(api.requests.map((r) => r.page)).toEqual([1, 2, 3]);
    for (const id of ids) expect((await logRow(id))?.outcome).toBe('success');
  });

  it('when the service was down for a day, then it catches up in consecutive windows of at most VC_EVENTS_MAX_WINDOW', async () => {
    const { vc, clock, advance } = service({ maxWindowMs: 6 * HOUR, lookbackMs: 0 });
    await vc.run();
    const start = clock.now;
    const credential = await issue();
    for (let h = 1; h < 24; h += 4) api.add(record(credential.publicId, new Date(start.getTime() + h * HOUR), 'record_anchored', `day-${h}`));
    advance(24 * HOUR + 30 * MINUTE);

    const report = await vc.run();
    expect(report.status).toBe('completed');
    const at = (hours: number) => new Date(start.getTime() + hours * HOUR).toISOString();
    expect(report.windows.map((w) => [w.from, w.to])).toEqual([
      [at(0), at(6)],
      [at(6), at(12)],
      [at(12), at(18)],
      [at(18), at(24)],
      [at(24), clock.now.toISOString()],
    ]);
    expect(report.totals).toMatchObject({ found: 6, success: 6 });
    expect((await stateRow())?.lastProcessedTo.toISOString()).toBe(clock.now.toISOString());
  });

  it('when the analytics API fails in the middle of a run, then the state stays at the last finished window, and the next run completes', async () => {
    const { vc, clock, advance, lines } = service({ maxWindowMs: HOUR, lookbackMs: 0, pageSize: 1 });
    await vc.run();
    const start = clock.now;
    const credential = await issue();
    api.add(record(credential.publicId, new Date(start.getTime() + 30 * MINUTE), 'record_anchored', 'w1'));
    api.add(record(credential.publicId, new Date(start.getTime() + 70 * MINUTE), 'record_anchored', 'w2-a'));
    api.add(record(credential.publicId, new Date(start.getTime() + 80 * MINUTE), 'record_anchored', 'w2-b'));
    api.add(record(credential.publicId, new Date(start.getTime() + 150 * MINUTE), 'record_anchored', 'w3'));
    advance(3 * HOUR);
    const secondWindow = new Date(start.getTime() + HOUR).toISOString();
    // Page 2 of the second window fails.
    api.fail({ status: 503 }, { when: (r) => r.from === secondWindow && r.page === 2 });

    const error = await vc.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VcEventsRunError);
    const report = (error as VcEventsRunError).report as RunReport;
    expect(report.status).toBe('api_error');
    expect(report.error).toMatch(/answered 503/);
    expect(report.windows).toHaveLength(1);
    expect((await stateRow())?.lastProcessedTo.toISOString()).toBe(secondWindow);
    expect((await logRow('w1'))?.outcome).toBe('success');
    // The second window's first page was read but its batch never ran.
    expect(await logRow('w2-a')).toBeNull();
    expect(lines.at(-1)).toMatchObject({ level: 'error', msg: expect.stringMatching(/analytics API error/) });

    const next = await vc.run();
    expect(next.status).toBe('completed');
    expect(next.windows.map((w) => w.from)).toEqual([secondWindow, new Date(start.getTime() + 2 * HOUR).toISOString()]);
    for (const id of ['w2-a', 'w2-b', 'w3']) expect((await logRow(id))?.outcome).toBe('success');
    expect((await logRow('w1'))?.attempts).toBe(1);
  });

  it('when the analytics API does not answer in time, then the run stops with an API error', async () => {
    const { vc, advance } = service({ timeoutMs: 200 });
    await vc.run();
    const before = (await stateRow())?.lastProcessedTo;
    advance(HOUR);
    api.fail({ hang: true });
    const error = await vc.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect((error as Error).message).toMatch(/no answer within 200 ms/);
    expect((await stateRow())?.lastProcessedTo).toEqual(before);
  });

  it('when one record fails, then it is logged with its error and the rest of the batch goes on', async () => {
    const { vc, clock, advance, lines } = service();
    await vc.run();
    const [good, bad] = [await issue(), await issue()];
    // A real database failure for that one credential's update.
    await db.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION vc_events_test_fail() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'injected failure for %', OLD.public_id; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`
      CREATE TRIGGER vc_events_test_fail BEFORE UPDATE ON credentials
      FOR EACH ROW WHEN (OLD.public_id = '${bad.publicId}') EXECUTE FUNCTION vc_events_test_fail()`);
    try {
      api.add(record(bad.publicId, new Date(clock.now.getTime() + MINUTE), 'record_revoked', 'bad-1'));
      api.add(record(good.publicId, new Date(clock.now.getTime() + 2 * MINUTE), 'record_revoked', 'good-1'));
      advance(HOUR);
      const report = await vc.run();
      expect(report).toMatchObject({ status: 'completed', totals: { found: 2, success: 1, failed: 1 } });
      // The database's own words go to the log only; the processing log (shown by the API) has vcq's.
      expect(await logRow('bad-1')).toMatchObject({ outcome: 'failed', error: INTERNAL_ERROR_MESSAGE, credentialId: bad.id });
      expect((await logRow('good-1'))?.outcome).toBe('success');
      expect((await credentials.credentials.get(bad.id))?.status).toBe('issued');
      const logged = lines.find((l) => l.msg === 'vc event failed');
      expect(logged).toMatchObject({ level: 'error', obj: { recordId: 'bad-1' } });
      expect((logged?.obj.err as Error | undefined)?.message).toMatch(/injected failure/);
    } finally {
      await db.$executeRawUnsafe('DROP TRIGGER vc_events_test_fail ON credentials');
    }
    // Its window comes round again after a reset: the failed record is retried, the success is not.
    await vc.reset(new Date(clock.now.getTime() - HOUR));
    const again = await vc.run();
    expect(again.totals).toMatchObject({ success: 1, duplicate: 1 });
    expect(await logRow('bad-1')).toMatchObject({ outcome: 'success', error: null, attempts: 2 });
    expect((await credentials.credentials.get(bad.id))?.status).toBe('revoked');
  });

  it('when no credential has the vc_public_id, then the record is skipped with a warning', async () => {
    const { vc, clock, advance, lines } = service();
    await vc.run();
    api.add(record('urn:uuid:00000000-0000-4000-8000-000000000000', new Date(clock.now.getTime() + MINUTE), 'record_anchored', 'ghost'));
    advance(HOUR);
    const report = await vc.run();
    expect(report.totals).toMatchObject({ found: 1, skipped: 1 });
    expect(await logRow('ghost')).toMatchObject({ outcome: 'skipped', mappedStatus: 'issued', error: expect.stringMatching(/no credential/) });
    expect(lines.find((l) => l.level === 'warn')?.msg).toMatch(/no credential with this vc_public_id/);
  });

  it('when a record has a type the map does not know, then it is skipped and logged', async () => {
    const { vc, clock, advance, lines } = service();
    await vc.run();
    const credential = await issue();
    api.add(record(credential.publicId, new Date(clock.now.getTime() + MINUTE), 'record_teleported', 'odd'));
    advance(HOUR);
    const report = await vc.run();
    expect(report.totals).toMatchObject({ found: 1, skipped: 1 });
    expect(await logRow('odd')).toMatchObject({ outcome: 'skipped', mappedStatus: null, error: 'unknown type "record_teleported"' });
    expect(lines.find((l) => l.level === 'warn')?.msg).toMatch(/unknown type "record_teleported"/);
  });

  it('when a record is malformed, then it is logged as failed and the window still completes', async () => {
    const { vc, clock, advance } = service();
    await vc.run();
    const credential = await issue();
    api.add({ id: 'broken', type: 'record_anchored', timestamp: new Date(clock.now.getTime() + MINUTE).toISOString() } as VcSummaryRecordInput);
    // What Postgres cannot store is dropped from what gets logged, so the log write cannot fail.
    api.add({ id: 'nul\u0000', vc_public_id: 'urn:\u0000', type: 'record_anchored', timestamp: new Date(clock.now.getTime() + MINUTE).toISOString() });
    api.add(record(credential.publicId, new Date(clock.now.getTime() + 2 * MINUTE), 'record_anchored', 'fine'));
    advance(HOUR);
    const report = await vc.run();
    expect(report).toMatchObject({ status: 'completed', totals: { found: 3, success: 1, failed: 2 } });
    expect(await logRow('broken')).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/malformed record: vc_public_id/) });
    expect(await logRow('nul')).toMatchObject({ outcome: 'failed', vcPublicId: 'urn:', error: expect.stringMatching(/must not contain NUL/) });
  });

  it('when the same window is processed again, then records already done are not processed twice', async () => {
    const { vc, clock, advance } = service();
    await vc.run();
    const start = clock.now;
    const credential = await issue();
    api.add(record(credential.publicId, new Date(start.getTime() + MINUTE), 'record_revoked', 'once'));
    advance(HOUR);
    await vc.run();
    const first = await logRow('once');
    expect(first?.outcome).toBe('success');

    await vc.reset(start);
    const rerun = await vc.run();
    expect(rerun.totals).toMatchObject({ found: 1, success: 0, duplicate: 1 });
    const second = await logRow('once');
    expect(second?.attempts).toBe(1);
    expect(second?.processedAt).toEqual(first?.processedAt);
  });

  it('when a record arrives late, then the lookback still catches it, and a reset catches one later than that', async () => {
    const { vc, clock, advance } = service({ lookbackMs: 10 * MINUTE });
    await vc.run();
    const start = clock.now;
    const credential = await issue();
    advance(HOUR);
    // Happened 5 minutes ago: inside the lookback, so not read by this run...
    const late = record(credential.publicId, new Date(clock.now.getTime() - 5 * MINUTE), 'record_anchored', 'late');
    const first = await vc.run();
    expect(first.lastProcessedTo).toBe(new Date(clock.now.getTime() - 10 * MINUTE).toISOString());
    // ...and it reaches the API only now, in time for the next run.
    api.add(late);
    advance(30 * MINUTE);
    const second = await vc.run();
    expect(second.totals).toMatchObject({ found: 1, success: 1 });

    // One that arrives after its window was done is missed until an operator resets.
    const missed = record(credential.publicId, new Date(start.getTime() + 10 * MINUTE), 'record_anchored', 'very-late');
    api.add(missed);
    advance(30 * MINUTE);
    expect((await vc.run()).totals.found).toBe(0);
    await vc.reset(start);
    const reset = await vc.run();
    expect(reset.totals).toMatchObject({ success: 1, duplicate: 1 });
    expect((await logRow('very-late'))?.outcome).toBe('success');
  });

  it('when a revoked credential gets an event that would make it issued, then it stays revoked and the record is skipped', async () => {
    const { vc, clock, advance } = service();
    await vc.run();
    const credential = await issue();
    await credentials.credentials.revoke(credential.id);
    api.add(record(credential.publicId, new Date(clock.now.getTime() + MINUTE), 'record_anchored', 'zombie'));
    advance(HOUR);
    await vc.run();
    expect(await logRow('zombie')).toMatchObject({ outcome: 'skipped', error: expect.stringMatching(/revocation is permanent/) });
    expect((await credentials.credentials.get(credential.id))?.status).toBe('revoked');
  });
});

describe('the state', () => {
  it('when reset, then the next run starts at the given time, and a time in the future is refused', async () => {
    const { vc, clock } = service();
    const from = new Date(clock.now.getTime() - 2 * HOUR);
    const state = await vc.reset(from);
    expect(state).toMatchObject({ initialised: true, lastProcessedTo: from.toISOString(), lagMs: 2 * HOUR - 5 * MINUTE });
    expect(state.nextWindow).toEqual({ from: from.toISOString(), to: new Date(clock.now.getTime() - 5 * MINUTE).toISOString() });
    const report = await vc.run();
    expect(report.windows[0]?.from).toBe(from.toISOString());
    await expect(vc.reset(new Date(clock.now.getTime() + HOUR))).rejects.toMatchObject({ status: 400, errors: [{ field: 'from' }] });
  });

  it('when nothing has run yet, then the state says so', async () => {
    const { vc } = service();
    expect(await vc.state()).toMatchObject({ initialised: false, lastProcessedTo: null, nextWindow: null, outcomes: { success: 0, failed: 0, skipped: 0 } });
  });
});

describe('a single event (the legacy route’s logic)', () => {
  it('when the same event is sent twice, then it is processed once', async () => {
    const { vc } = service();
    const credential = await issue();
    const first = await vc.processEvent({ vc_public_id: credential.publicId, type: 'record_revoked' });
    expect(first).toMatchObject({ outcome: 'success', mappedStatus: 'revoked', credentialId: credential.id });
    expect(first.recordId).toMatch(/^event:/);
    const second = await vc.processEvent({ vc_public_id: credential.publicId, type: 'record_revoked' });
    expect(second).toMatchObject({ outcome: 'duplicate', recordId: first.recordId });
    expect((await logRow(first.recordId))?.windowFrom).toBeNull();
  });
});

describe('the analytics client', () => {
  it('when the key is wrong, then the 401 is reported as an API error naming the page and window', async () => {
    const client = createAnalyticsClient({ baseUrl: api.url, apiKey: 'wrong', timeoutMs: 2000, pageSize: 10, maxPages: 5 });
    const error = await client.fetchWindow({ from: new Date(0), to: new Date(1000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsApiError);
    expect(error).toMatchObject({ status: 502, details: { statusCode: 401, page: 1 } });
    expect((error as Error).message).toMatch(/answered 401.*page 1 of \[1970-01-01T00:00:00.000Z, 1970-01-01T00:00:01.000Z\)/);
  });

  it('when a page is not a VC summary page, then that is an API error too', async () => {
    const client = createAnalyticsClient({ baseUrl: api.url, apiKey: api.apiKey, timeoutMs: 2000, pageSize: 10, maxPages: 5 });
    api.fail({ malformed: true });
    await expect(client.fetchWindow({ from: new Date(0), to: new Date(1000) })).rejects.toThrow(/not a VC summary page: data/);
  });

  it('when the API is not reachable, then the error says so', async () => {
    const closed = await startAnalyticsServer();
    await closed.close();
    const client = createAnalyticsClient({ baseUrl: closed.url, timeoutMs: 2000, pageSize: 10, maxPages: 5 });
    await expect(client.fetchWindow({ from: new Date(0), to: new Date(1000) })).rejects.toThrow(/request failed: .*ECONNREFUSED/);
  });

  it('when the base URL has a path, then the endpoint is resolved below it', async () => {
    const client = createAnalyticsClient({ baseUrl: `${api.url}/nested`, apiKey: api.apiKey, timeoutMs: 2000, pageSize: 10, maxPages: 5 });
    // The fake serves only /api/v1/vc-summary, so the nested path is a 404 that names itself.
    await expect(client.fetchPage({ from: new Date(0), to: new Date(1000) }, 1)).rejects.toMatchObject({ details: { statusCode: 404 } });
    expect(api.requests).toHaveLength(0);
  });
});

describe('the order of a batch', () => {
  it('when the API sends a credential’s events out of order, then they are applied oldest first', async () => {
    const { vc, clock, advance } = service();
    await vc.run();
    const credential = await issue();
    // Revoked at +2 min, anchored at +1 min, served in that (wrong) order.
    api.sorted = false;
    api.add(record(credential.publicId, new Date(clock.now.getTime() + 2 * MINUTE), 'record_revoked', 'b-later'));
    api.add(record(credential.publicId, new Date(clock.now.getTime() + MINUTE), 'record_anchored', 'a-earlier'));
    advance(HOUR);
    const report = await vc.run();
    expect(report.totals).toMatchObject({ found: 2, success: 2, skipped: 0 });
    expect((await credentials.credentials.get(credential.id))?.status).toBe('revoked');
  });
});
