/**
 * VC events through the HTTP API with a real worker, Postgres, Redis and a
 * Dhiway-style analytics API on loopback: the admin routes (state, run, reset) and
 * the legacy single-event route. Window edge cases (catch-up, lookback, ...) are
 * covered in packages/vc-events; here the pieces are shown to work together.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, auth, jsonClient, type Json, startWorld, type World } from '@vcq/testing';
import { startWorker, type WorkerProcess } from '../../apps/worker/src/worker.js';
import { type AnalyticsServer, startAnalyticsServer } from '../../packages/vc-events/test/analytics-server.js';
import { startApi, type ApiServer } from '../../apps/api/src/server.js';


// The same suite on both queue backends; on PostgreSQL, Redis is a closed port.
describe.each(['redis', 'postgres'] as const)('on the %s backend', (backend) => {
  let backendEnv: Record<string, string> = {};
  beforeAll(async () => {
    backendEnv = backend === 'postgres' ? { QUEUE_BACKEND: 'postgres', REDIS_URL: `redis://127.0.0.1:${await freePort()}` } : {};
  });

  let world: World;
  let analytics: AnalyticsServer;
  let api: ApiServer;
  let worker: WorkerProcess;

  beforeAll(async () => {
    [world, analytics] = await Promise.all([startWorld(), startAnalyticsServer()]);
    const config = world.config({
      ...backendEnv,
      API_KEYS: 'test-key,submitter-key:submit,reader-key:read',
      ANALYTICS_API_URL: analytics.url,
      ANALYTICS_API_KEY: analytics.apiKey,
      ANALYTICS_API_PAGE_SIZE: '2',
      VC_EVENTS_LOOKBACK: '0',
      VC_EVENTS_TYPE_MAP: 'record_anchored:issued,record_revoked:revoked',
      PREFER_WAIT_MAX_SECONDS: '20',
      // Only what the tests trigger runs: no reconcile or sweep ticks in between.
      ENABLE_TASK_SCHEDULING: 'false',
    });
    [api, worker] = await Promise.all([startApi(config), startWorker(config)]);
  });

  afterAll(async () => {
    await Promise.allSettled([api?.close(), worker?.close(), analytics?.close()]);
    await world?.close();
  });

  beforeEach(async () => {
    await world.sql('TRUNCATE cron_state, vc_event_processing_logs');
  });

  const call = jsonClient(() => api.url);

  /** A run through the queue and the worker, answered when it has finished. */
  async function run() {
    const res = await call('POST', '/admin/vc-events/run', undefined, { prefer: 'wait=20' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ task: 'vc-events', mode: 'async', jobId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) });
    return res.body.data.run as Json;
  }

  /** A credential issued through the API; the analytics API reports it by its public id. */
  async function issue(): Promise<{ id: string; publicId: string }> {
    const did = async () => (await call('POST', '/api/dids', { method: 'key' }, { prefer: 'wait=15' })).body.result.did as string;
    const [issuerDid, subjectDid] = [await did(), await did()];
    const res = await call('POST', '/api/credentials/issue', { issuerDid, subjectDid, credentialType: 'AgriQualityCertificate', claims: { grade: 'A' } }, { prefer: 'wait=15' });
    expect(res.status).toBe(200);
    const id = res.body.result.credentialId as string;
    return { id, publicId: `urn:uuid:${id}` };
  }

  const credentialStatus = async (id: string) => (await call('GET', `/api/credentials/${id}`)).body.status as string;

  describe('the VC-event admin routes', () => {
    it('when the processor runs for the first time and then again, then the first run only initialises and the second applies what arrived', async () => {
      const before = await call('GET', '/admin/vc-events/state');
      expect(before.status).toBe(200);
      expect(before.body.data).toMatchObject({ initialised: false, lastProcessedTo: null, configured: true });

      const first = await run();
      expect(first).toMatchObject({ status: 'completed', trigger: 'manual', result: { status: 'initialised' } });
      const requestsBefore = analytics.requests.length;

      const credential = await issue();
      // Anchored twice, then revoked: applied in the order they happened.
      const now = Date.now();
      const records = [0, 1, 2].map((i) => ({
        id: `api-${randomUUID()}`,
        vc_public_id: credential.publicId,
        type: i === 2 ? 'record_revoked' : 'record_anchored',
        timestamp: new Date(now - 3 + i).toISOString(),
      }));
      analytics.add(...records);
      const second = await run();
      expect(second).toMatchObject({ status: 'completed', result: { status: 'completed', totals: { found: 3, success: 3, failed: 0, skipped: 0 } } });
      // Page size 2: two pages for three records.
      expect(analytics.requests.slice(requestsBefore).map((r) => r.page)).toEqual([1, 2]);
      expect(await credentialStatus(credential.id)).toBe('revoked');

      const state = await call('GET', '/admin/vc-events/state');
      expect(state.body.data).toMatchObject({ initialised: true, lastProcessedTo: second.result.lastProcessedTo, outcomes: { success: 3 }, lastRun: { id: second.id, status: 'completed' } });
      const logged = await world.sql<{ outcome: string }>('SELECT outcome FROM vc_event_processing_logs WHERE record_id = ANY($1)', [records.map((r) => r.id)]);
      expect(logged.map((r) => r.outcome)).toEqual(['success', 'success', 'success']);
    });

    it('when the analytics API fails, then the run fails with the API error, the state stays, and the next run completes', async () => {
      await run();
      const state = (await call('GET', '/admin/vc-events/state')).body.data;
      const credential = await issue();
      analytics.add({ id: `api-${randomUUID()}`, vc_public_id: credential.publicId, type: 'record_anchored', timestamp: new Date().toISOString() });
      analytics.fail({ status: 500, body: '{"error":"database is on fire"}' });

      const failed = await run();
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'upstream_failed', message: expect.stringMatching(/analytics API: answered 500: .*database is on fire/) } });
      expect(failed.result).toMatchObject({ status: 'api_error', lastProcessedTo: state.lastProcessedTo });
      expect((await call('GET', '/admin/vc-events/state')).body.data.lastProcessedTo).toBe(state.lastProcessedTo);

      const next = await run();
      expect(next).toMatchObject({ status: 'completed', result: { status: 'completed', totals: { found: 1, success: 1 } } });
    });

    it('when the state is reset into the past, then the window is read again and nothing is processed twice', async () => {
      await run();
      const start = (await call('GET', '/admin/vc-events/state')).body.data.lastProcessedTo as string;
      const credential = await issue();
      const recordId = `api-${randomUUID()}`;
      analytics.add({ id: recordId, vc_public_id: credential.publicId, type: 'record_anchored', timestamp: new Date().toISOString() });
      expect((await run()).result.totals).toMatchObject({ found: 1, success: 1 });

      const reset = await call('POST', '/admin/vc-events/reset', { from: start });
      expect(reset.status).toBe(200);
      expect(reset.body.data).toMatchObject({ lastProcessedTo: start, nextWindow: { from: start } });
      const again = await run();
      expect(again.result.totals).toMatchObject({ found: 1, success: 0, duplicate: 1 });
      const [row] = await world.sql<{ attempts: number }>('SELECT attempts FROM vc_event_processing_logs WHERE record_id = $1', [recordId]);
      expect(row?.attempts).toBe(1);
    });

    it('when a reset names no time or a future one, then it is a 400 naming the field', async () => {
      const future = await call('POST', '/admin/vc-events/reset', { from: new Date(Date.now() + 3_600_000).toISOString() });
      expect(future.status).toBe(400);
      expect(future.type).toMatch(/application\/problem\+json/);
      expect(future.body.errors).toEqual([{ field: 'from', message: 'must not be in the future' }]);
      const garbage = await call('POST', '/admin/vc-events/reset', { from: 'yesterday' });
      expect(garbage.status).toBe(400);
      expect(garbage.body.errors[0].field).toBe('from');
      const ancient = await call('POST', '/admin/vc-events/reset', { from: '0001-01-01T00:00:00Z' });
      expect(ancient.status).toBe(400);
      expect(ancient.body.errors).toEqual([{ field: 'from', message: 'must be a date-time from 1970 on' }]);
    });

    it('when a key without the admin scope calls them, then the answer is 403', async () => {
      for (const [method, path] of [
        ['GET', '/admin/vc-events/state'],
        ['POST', '/admin/vc-events/run'],
        ['POST', '/admin/vc-events/reset'],
      ] as const) {
        expect((await call(method, path, undefined, { 'x-api-key': 'submitter-key' })).status, `${method} ${path}`).toBe(403);
      }
    });
  });

  describe('the legacy POST /users/vc/process-event', () => {
    it('when an event is sent, then it is processed in the request, and sending it again changes nothing', async () => {
      const credential = await issue();
      const event = { vc_public_id: credential.publicId, type: 'record_revoked' };
      const first = await call('POST', '/users/vc/process-event', event, { 'x-api-key': 'submitter-key' });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        success: true,
        data: { recordId: expect.stringMatching(/^event:/), vcPublicId: credential.publicId, type: 'record_revoked', mappedStatus: 'revoked', outcome: 'success', error: null, credentialId: credential.id },
      });
      expect(await credentialStatus(credential.id)).toBe('revoked');
      const second = await call('POST', '/users/vc/process-event', event, { 'x-api-key': 'submitter-key' });
      expect(second.body.data).toMatchObject({ recordId: first.body.data.recordId, outcome: 'duplicate' });
    });

    it('when the event carries the analytics record id, then that id is logged', async () => {
      const credential = await issue();
      const id = `legacy-${randomUUID()}`;
      const res = await call('POST', '/users/vc/process-event', { id, vc_public_id: credential.publicId, type: 'record_anchored', timestamp: new Date().toISOString() });
      expect(res.body.data).toMatchObject({ recordId: id, outcome: 'success', mappedStatus: 'issued' });
      const [row] = await world.sql<{ window_from: Date | null }>('SELECT window_from FROM vc_event_processing_logs WHERE record_id = $1', [id]);
      expect(row?.window_from).toBeNull();
    });

    it('when the type is unknown or the credential missing, then the event is skipped and says why', async () => {
      const credential = await issue();
      const unknown = await call('POST', '/users/vc/process-event', { vc_public_id: credential.publicId, type: 'record_teleported' });
      expect(unknown.body.data).toMatchObject({ outcome: 'skipped', mappedStatus: null, error: 'unknown type "record_teleported"' });
      const missing = await call('POST', '/users/vc/process-event', { vc_public_id: `urn:uuid:${randomUUID()}`, type: 'record_anchored' });
      expect(missing.body.data).toMatchObject({ outcome: 'skipped', error: expect.stringMatching(/no credential/) });
    });

    it('when the body is not an event, then it is a 400 naming each field', async () => {
      const res = await call('POST', '/users/vc/process-event', { type: 7, timestamp: 'noon' });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: Json) => e.field).sort()).toEqual(['timestamp', 'type', 'vc_public_id']);
      expect((await call('POST', '/users/vc/process-event')).status).toBe(400);
      // Values Postgres could not store are refused at the door, before the event's own rules run.
      const nul = await call('POST', '/users/vc/process-event', { vc_public_id: 'urn:uuid:\u0000', type: 'record_anchored', timestamp: '0000-01-01T00:00:00Z' });
      expect(nul.status).toBe(400);
      expect(nul.body.errors).toEqual([{ field: 'vc_public_id', message: 'must not contain NUL characters or unpaired UTF-16 surrogates' }]);
      const ancient = await call('POST', '/users/vc/process-event', { vc_public_id: 'urn:uuid:x', type: 'record_anchored', timestamp: '0000-01-01T00:00:00Z' });
      expect(ancient.status).toBe(400);
      expect(ancient.body.errors).toEqual([{ field: 'timestamp', message: 'must be between 1970 and 9999' }]);
    });

    it('when the key may only read, or there is none, then it is refused', async () => {
      const event = { vc_public_id: 'urn:uuid:x', type: 'record_anchored' };
      expect((await call('POST', '/users/vc/process-event', event, { 'x-api-key': 'reader-key' })).status).toBe(403);
      const anonymous = await fetch(`${api.url}/users/vc/process-event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      expect(anonymous.status).toBe(401);
    });
  });

  describe('without an analytics API', () => {
    it('when a run is asked for, then the answer is 409 and names the missing setting', async () => {
      const bare = await startApi(world.config({ PORT: '0' }));
      try {
        const res = await fetch(`${bare.url}/admin/vc-events/run`, { method: 'POST', headers: auth });
        expect(res.status).toBe(409);
        expect(((await res.json()) as Json).detail).toMatch(/ANALYTICS_API_URL/);
        const state = (await (await fetch(`${bare.url}/admin/vc-events/state`, { headers: auth })).json()) as Json;
        expect(state.data.configured).toBe(false);
      } finally {
        await bare.close();
      }
    });
  });
});
