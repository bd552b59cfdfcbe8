/**
 * Requests Node's HTTP parser refuses before Express sees them (oversized headers, a
 * request line that is not HTTP) still get a problem+json answer, sent over a raw
 * TCP socket because no HTTP client would send them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiServer } from '../src/server.js';
import { rawExchange, startWorld, type World } from '@vcq/testing';

let world: World;
let api: ApiServer;

beforeAll(async () => {
  world = await startWorld();
  api = await startApi(world.config());
});

afterAll(async () => {
  await api?.close();
  await world?.close();
});

describe('requests the HTTP parser refuses', () => {
  it('when the headers are larger than 16 KiB, then 431 problem+json and the connection is closed', async () => {
    const answer = await rawExchange(api.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['x-request-id']).toBeTruthy();
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect(JSON.parse(answer.body)).toEqual({
      type: 'urn:vcq:problem:header_too_large',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: expect.stringMatching(/headers/),
      error: 'Request headers too large',
    });
  });

  it('when the request line is not HTTP, then 400 problem+json', async () => {
    const answer = await rawExchange(api.port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'urn:vcq:problem:bad_request', title: 'Bad Request', status: 400, detail: expect.any(String) });
  });

  it('when a bad request has been answered, then the API goes on serving', async () => {
    await rawExchange(api.port, 'THIS IS NOT HTTP\r\n\r\n');
    const res = await fetch(`${api.url}/healthz`);
    expect(res.status).toBe(200);
  });
});
