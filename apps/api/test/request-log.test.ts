/**
 * The access log and per-request logger across every part of the app, including a
 * mounted sub-app (the dashboard) that answers by itself: each request gets one
 * `request` line with its id and status, and none crashes the process at `finish`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@vcq/logger';
import { startApi, type ApiServer } from '../src/server.js';
import { auth, startWorld, type World } from '@vcq/testing';

let world: World;
let api: ApiServer;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  world = await startWorld();
  const logger = createLogger({ level: 'info', name: 'vcq-api', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  api = await startApi(world.config({ LOG_LEVEL: 'info' }), logger);
});

afterAll(async () => {
  await api?.close();
  await world?.close();
});

const accessLine = (requestId: string) => lines.find((l) => l.msg === 'request' && l.requestId === requestId);

describe('request logging', () => {
  it('when requests are answered by the app, by a mounted sub-app and by a refusal, then each has one access line with its id and status', async () => {
    const answers = [
      { res: await fetch(`${api.url}/admin/queues/`, { headers: { ...auth, 'x-request-id': 'dash-1' } }), id: 'dash-1' },
      { res: await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': 'health-1' } }), id: 'health-1' },
      {
        res: await fetch(`${api.url}/api/credentials/issue`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'x-request-id': 'issue-1' },
          body: '{"issuerDid":1}',
        }),
        id: 'issue-1',
      },
    ];
    expect(answers.map((a) => a.res.status)).toEqual([200, 200, 400]);
    for (const { res, id } of answers) {
      expect(res.headers.get('x-request-id')).toBe(id);
      await res.arrayBuffer();
    }
    // The access line is written at `finish`, after the client may already have read the answer.
    await expect.poll(() => answers.every((a) => accessLine(a.id))).toBe(true);
    expect(accessLine('dash-1')).toMatchObject({ status: 200, apiKeyId: expect.any(String) });
    expect(accessLine('health-1')).toMatchObject({ status: 200, path: '/healthz' });
    expect(accessLine('issue-1')).toMatchObject({ status: 400, method: 'POST', apiKeyId: expect.any(String) });
    // The refusal's own line carries the same bindings as the access line.
    expect(lines.find((l) => l.msg === 'request rejected' && l.requestId === 'issue-1')).toMatchObject({ apiKeyId: expect.any(String) });
  });
});
