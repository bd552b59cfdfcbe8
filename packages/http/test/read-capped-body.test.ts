import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCappedBody } from '../src/index.js';

let server: Server;
let base: string;
let endlessClosed: Promise<void>;

beforeAll(async () => {
  let closedEndless: () => void = () => {};
  endlessClosed = new Promise((resolve) => {
    closedEndless = resolve;
  });
  server = createServer((req, res) => {
    if (req.url === '/small') res.end('hello');
    else if (req.url === '/declared') res.writeHead(200, { 'content-length': '1000000' }).end('x'.repeat(1_000_000));
    else {
      // No Content-Length, and it never ends: only a reader that stops at the cap returns.
      res.writeHead(200);
      const timer = setInterval(() => res.write('y'.repeat(1024)), 1);
      res.on('close', () => {
        clearInterval(timer);
        closedEndless();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('readCappedBody', () => {
  it('when the body is within the cap, then all of it comes back', async () => {
    const body = await readCappedBody(await fetch(`${base}/small`), 5);
    expect(Buffer.from(body as Uint8Array).toString()).toBe('hello');
  });

  it('when Content-Length declares more than the cap, then null without reading it', async () => {
    expect(await readCappedBody(await fetch(`${base}/declared`), 1024)).toBeNull();
  });

  it('when an undeclared body streams past the cap, then null and the stream is dropped', async () => {
    expect(await readCappedBody(await fetch(`${base}/endless`), 64 * 1024)).toBeNull();
    await endlessClosed;
  });
});
