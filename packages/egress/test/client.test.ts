import type { LookupAddress } from 'node:dns';
import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamError, ValidationError } from '@vcq/errors';
import { freePort, listenOnLoopback, type LoopbackServer, startTcpService, type TcpService } from '@vcq/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createEgressClient,
  type EgressClientOptions,
  EgressRefusedError,
  EgressTooLargeError,
  EgressUnreachableError,
  type HostResolver,
} from '../src/index.js';

// What an internal service says to anyone who connects; none of it may reach a caller.
const BANNER = '-ERR internal-service-secret-7f3a9c\r\n';

let internal: TcpService;

// A fresh one per test, so its connection count is this test's alone.
beforeEach(async () => {
  internal = await startTcpService(BANNER);
  return () => internal.close();
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((close) => close()));
});

/** A resolver answering from a table, counting the questions it was asked. */
function tableResolver(table: Record<string, string[] | string[][]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (host: string): Promise<LookupAddress[]> => {
    const entry = table[host];
    const answer = calls.filter((c) => c === host).length;
    calls.push(host);
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    // A list of lists answers differently each time it is asked (a rebinding name).
    const addresses = Array.isArray(entry[0]) ? ((entry as string[][])[Math.min(answer, entry.length - 1)] as string[]) : (entry as string[]);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

function client(overrides: Partial<EgressClientOptions> = {}) {
  return createEgressClient({ allowPrivateHosts: [], timeoutMs: 2_000, maxBytes: 4_096, ...overrides });
}

async function peer(handler: Parameters<typeof listenOnLoopback>[0]): Promise<LoopbackServer & { port: number; requests: Array<{ path: string; headers: IncomingHttpHeaders; body: string; method: string }> }> {
  const requests: Array<{ path: string; headers: IncomingHttpHeaders; body: string; method: string }> = [];
  const server = await listenOnLoopback((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), method: req.method ?? '' });
      handler(req, res);
    });
  });
  cleanups.push(() => server.close());
  return Object.assign(server, { port: Number(new URL(server.url).port), requests });
}

function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: Error) => error,
  );
}

/** Asserts that a message says nothing the internal service sent and no address it was reached at. */
function expectClean(message: string, ...forbidden: string[]) {
  expect(message).not.toContain('internal-service-secret');
  expect(message).not.toContain('-ERR');
  for (const text of forbidden) expect(message).not.toContain(text);
}

describe('the block list at the door', () => {
  it('when a URL names an internal service by address and nothing is allowlisted, then it is refused and the service sees no connection', async () => {
    const error = await failure(client().request(`http://127.0.0.1:${internal.port}/`));

    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error).toMatchObject({ code: 'destination_refused' });
    expect(error.message).toContain('(loopback)');
    expectClean(error.message);
    expect(internal.connections()).toBe(0);
  });

  it('when a public-looking name resolves to the internal service, then it is refused without saying the address', async () => {
    const resolve = tableResolver({ 'manifests.example': ['127.0.0.1'] });

    const error = await failure(client({ resolve }).request(`http://manifests.example:${internal.port}/m.json`));

    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error.message).toContain('manifests.example resolves to a private or reserved address');
    expectClean(error.message, '127.0.0.1', 'loopback');
    expect(internal.connections()).toBe(0);
  });

  it('when a name resolves to a public and a private address, then it is refused', async () => {
    const resolve = tableResolver({ 'mixed.example': ['93.184.215.14', '10.0.0.7'] });

    const error = await failure(client({ resolve }).request('https://mixed.example/hook'));

    expect(error).toBeInstanceOf(EgressRefusedError);
    expectClean(error.message, '10.0.0.7');
  });

  it.each([
    ['http://[::ffff:127.0.0.1]:PORT/', 'IPv4-mapped'],
    ['http://[::ffff:0:7f00:1]:PORT/', 'IPv4-translated'],
    ['http://[::127.0.0.1]:PORT/', 'IPv4-compatible'],
    ['http://[64:ff9b::127.0.0.1]:PORT/', 'NAT64'],
    ['http://[64:ff9b:1::7f00:1]:PORT/', 'NAT64'],
    ['http://[2002:7f00:1::1]:PORT/', '6to4'],
    ['http://[2001::7f00:1]:PORT/', 'Teredo'],
    ['http://[2001:db8::1]:PORT/', 'documentation'],
    ['http://192.0.2.10:PORT/', 'documentation'],
    ['http://2130706433:PORT/', 'loopback'],
    ['http://0x7f.1:PORT/', 'loopback'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
  ])('when the URL is %s, then it is refused as %s before connecting', async (template, kind) => {
    const error = await failure(client().request(template.replace('PORT', String(internal.port))));
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error.message).toContain(`(${kind})`);
    expect(internal.connections()).toBe(0);
  });

  it.each(['ftp://example.com/m.json', 'file:///etc/passwd', 'not a url', 'https://user:pass@example.com/hook'])(
    'when the URL is %j, then it is refused before any DNS lookup',
    async (url) => {
      const resolve = tableResolver({});
      const error = await failure(client({ resolve }).request(url));
      expect(error).toBeInstanceOf(EgressRefusedError);
      expect(resolve.calls).toEqual([]);
    },
  );

  it('when only another port of the host is allowlisted, then this port is still refused', async () => {
    const error = await failure(client({ allowPrivateHosts: [`127.0.0.1:${internal.port + 1}`] }).request(`http://127.0.0.1:${internal.port}/`));
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(internal.connections()).toBe(0);
  });

  it('when the host is allowlisted but speaks no HTTP, then the error says so in vcq words and carries none of its bytes', async () => {
    const resolve = tableResolver({ 'cache.internal': ['127.0.0.1'] });
    const error = await failure(client({ resolve, allowPrivateHosts: ['cache.internal'] }).request(`http://cache.internal:${internal.port}/`));

    expect(error).toBeInstanceOf(EgressUnreachableError);
    expect(error).toMatchObject({ reason: 'network' });
    expect(error.message).toMatch(/not valid HTTP \(HPE_[A-Z_]+\)/);
    expectClean(error.message, '127.0.0.1');
    expect(internal.connections()).toBe(1);
  });

  it('when nothing listens on an allowlisted name, then the errno becomes vcq words without the address', async () => {
    const port = await freePort();
    const resolve = tableResolver({ 'down.internal': ['127.0.0.1'] });

    const error = await failure(client({ resolve, allowPrivateHosts: ['down.internal'] }).request(`http://down.internal:${port}/`));

    expect(error).toBeInstanceOf(EgressUnreachableError);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toBe(`Could not reach http://down.internal:${port}/: connection refused (ECONNREFUSED)`);
  });

  it('when a name does not exist, then it is an unknown-host UpstreamError; a resolver hiccup is a dns one', async () => {
    const gone = await failure(client({ resolve: tableResolver({}) }).request('https://gone.example/'));
    expect(gone).toMatchObject({ reason: 'unknown-host' });
    expect(gone).toBeInstanceOf(UpstreamError);

    const slow: HostResolver = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN slow.example'), { code: 'EAI_AGAIN' });
    };
    const hiccup = await failure(client({ resolve: slow }).request('https://slow.example/'));
    expect(hiccup).toMatchObject({ reason: 'dns' });
    expect(hiccup.message).toContain('EAI_AGAIN');
  });
});

describe('connecting to what was checked', () => {
  it('when the name answers a public address first and loopback second, then only one lookup happens and the internal server gets nothing', async () => {
    const target = await peer((_req, res) => res.end('internal-service-secret'));
    // "localhost" is what the system resolver would answer with loopback if asked again.
    const resolve = tableResolver({ localhost: [['100.128.0.1'], ['127.0.0.1']] });

    // Where 100.128.0.1 leads depends on the network the test runs in; what matters is where it does not.
    const outcome = await client({ resolve, timeoutMs: 500 })
      .request(`http://localhost:${target.port}/rebind`)
      .then((r) => r.body.toString('utf8'), (e: Error) => e.message);

    expect(resolve.calls).toEqual(['localhost']);
    expect(target.requests).toEqual([]);
    expect(outcome).not.toContain('internal-service-secret');
  });

  it('when an allowlisted name resolves to 127.0.0.2, then the request lands there and not on what the system would answer', async () => {
    const checked = await startTcpService('HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nchecked', { host: '127.0.0.2' });
    cleanups.push(() => checked.close());
    // The same port on 127.0.0.1, where the system resolver would send "localhost".
    const system = await startTcpService('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsystem', { port: checked.port });
    cleanups.push(() => system.close());
    const resolve = tableResolver({ localhost: ['127.0.0.2'] });

    const response = await client({ resolve, allowPrivateHosts: ['localhost'] }).request(`http://localhost:${checked.port}/`);

    expect(response.body.toString('utf8')).toBe('checked');
    expect(checked.connections()).toBe(1);
    expect(system.connections()).toBe(0);
  });
});

describe('TLS', () => {
  it('when the checked name is reached over https, then TLS SNI carries the name, not the address connected to', async () => {
    const { createServer } = await import('node:tls');
    let servername: string | undefined;
    // The handshake is refused right after the ClientHello: SNI is all this test needs, no certificate.
    const server = createServer({
      SNICallback: (name, callback) => {
        servername = name;
        callback(new Error('no certificate here'));
      },
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const resolve = tableResolver({ 'secure.example': ['127.0.0.1'] });

    const error = await failure(client({ resolve, allowPrivateHosts: ['secure.example'] }).request(`https://secure.example:${port}/`));

    expect(servername).toBe('secure.example');
    expect(error).toBeInstanceOf(EgressUnreachableError);
    expect(error).toMatchObject({ reason: 'network' });
    expect(error.message).not.toContain('127.0.0.1');
  });
});

describe('redirects', () => {
  it('when an allowlisted host redirects to a private address that is not, then the hop is refused and the target sees nothing', async () => {
    const redirector = await peer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/` }).end());
    const resolve = tableResolver({ 'redirector.test': ['127.0.0.1'] });

    const error = await failure(client({ resolve, allowPrivateHosts: ['redirector.test'] }).request(`http://redirector.test:${redirector.port}/start`));

    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error.message).toContain('a redirect leads to a private or reserved address');
    expectClean(error.message, String(internal.port));
    expect(redirector.requests.map((r) => r.path)).toEqual(['/start']);
    expect(internal.connections()).toBe(0);
  });

  it('when a redirect leads to a name that resolves private, then the hop is refused by name too', async () => {
    const redirector = await peer((_req, res) => res.writeHead(307, { location: `http://sneaky.example:${internal.port}/` }).end());
    const resolve = tableResolver({ 'sneaky.example': ['10.0.0.5'] });

    const error = await failure(client({ resolve, allowPrivateHosts: ['127.0.0.1'] }).request(`${redirector.url}/`));

    expect(error).toBeInstanceOf(EgressRefusedError);
    expectClean(error.message, 'sneaky.example', '10.0.0.5');
  });

  it('when redirects chain three times, then the fourth answer is returned; a fourth redirect is refused', async () => {
    const chain = await peer((req, res) => {
      const n = Number(req.url?.slice(1));
      if (n < 3) res.writeHead(301, { location: `/${n + 1}` }).end();
      else res.end(`arrived at ${n}`);
    });
    const egress = client({ allowPrivateHosts: ['127.0.0.1'] });

    const arrived = await egress.request(`${chain.url}/0`);
    expect(arrived).toMatchObject({ status: 200, url: `${chain.url}/3` });
    expect(arrived.body.toString()).toBe('arrived at 3');

    const looping = await peer((req, res) => res.writeHead(302, { location: `/${Number(req.url?.slice(1)) + 1}` }).end());
    const error = await failure(egress.request(`${looping.url}/0`));
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error).toMatchObject({ code: 'too_many_redirects' });
    expect(looping.requests.map((r) => r.path)).toEqual(['/0', '/1', '/2', '/3']);
  });

  it('when followRedirects is false, then the 3xx is the answer and nothing else is requested', async () => {
    const redirector = await peer((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end());

    const response = await client({ allowPrivateHosts: ['127.0.0.1'] }).request(`${redirector.url}/hook`, { method: 'POST', body: '{}', followRedirects: false });

    expect(response).toMatchObject({ status: 302, headers: { location: '/elsewhere' } });
    expect(redirector.requests.map((r) => r.path)).toEqual(['/hook']);
  });

  it('when a redirect leaves the origin, then the authorization header stays behind', async () => {
    const target = await peer((_req, res) => res.end('ok'));
    const redirector = await peer((_req, res) => res.writeHead(307, { location: `${target.url.replace('127.0.0.1', 'localhost')}/landed` }).end());
    const resolve = tableResolver({ localhost: ['127.0.0.1'] });

    await client({ resolve, allowPrivateHosts: ['127.0.0.1', 'localhost'] }).request(`${redirector.url}/`, {
      method: 'POST',
      body: 'payload',
      headers: { Authorization: 'Bearer secret-token', 'content-type': 'text/plain' },
    });

    expect(redirector.requests[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(target.requests[0]).toMatchObject({ method: 'POST', path: '/landed', body: 'payload' });
    expect(target.requests[0]?.headers.authorization).toBeUndefined();
    // Host (and so TLS SNI, for https) stays the name, not the address connected to.
    expect(target.requests[0]?.headers.host).toBe(`localhost:${target.port}`);
  });

  it('when plain HTTP is allowed only for the first host, then a redirect to HTTP elsewhere is refused as insecure', async () => {
    const redirector = await peer((_req, res) => res.writeHead(302, { location: 'http://localhost:1/' }).end());
    const resolve = tableResolver({ localhost: ['127.0.0.1'] });

    const error = await failure(
      client({ resolve, allowPrivateHosts: ['127.0.0.1', 'localhost'] }).request(`${redirector.url}/`, { allowHttp: (url) => url.hostname === '127.0.0.1' }),
    );

    expect(error).toMatchObject({ code: 'insecure_url' });
    expect(resolve.calls).toEqual([]);
  });
});

describe('caps and answers', () => {
  it('when a GET succeeds, then status, lower-cased headers, body and url come back', async () => {
    const server = await peer((_req, res) => res.writeHead(201, { 'X-Thing': 'yes', 'Cache-Control': 'max-age=60' }).end('hello'));

    const response = await client({ allowPrivateHosts: ['127.0.0.1'] }).request(`${server.url}/a?b=1`, { headers: { Accept: 'text/plain' } });

    expect(response).toMatchObject({ status: 201, url: `${server.url}/a?b=1`, headers: { 'x-thing': 'yes', 'cache-control': 'max-age=60' } });
    expect(response.body.toString()).toBe('hello');
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/a?b=1', headers: { accept: 'text/plain' } });
  });

  it('when the answer declares more than the cap, then it is refused; an endless one is cut off while streaming', async () => {
    const declared = await peer((_req, res) => res.writeHead(200, { 'content-length': '10000' }).end('internal-service-secret'.padEnd(10_000, 'x')));
    const endless = await peer((_req, res) => {
      res.writeHead(200);
      const write = () => {
        while (res.write('internal-service-secret ')) {
          /* keep writing until back-pressure */
        }
        res.once('drain', write);
      };
      write();
    });
    const egress = client({ allowPrivateHosts: ['127.0.0.1'], maxBytes: 1_000 });

    const big = await failure(egress.request(`${declared.url}/`));
    const stream = await failure(egress.request(`${endless.url}/`, { timeoutMs: 30_000 }));

    for (const error of [big, stream]) {
      expect(error).toBeInstanceOf(EgressTooLargeError);
      expect(error.message).toMatch(/larger than the 1000-byte limit/);
      expectClean(error.message);
    }
  });

  it('when the answer trickles in past the deadline, then one deadline over headers and body ends it', async () => {
    const trickle = await peer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('internal-service-secret '), 20);
      res.once('close', () => clearInterval(timer));
    });

    const error = await failure(client({ allowPrivateHosts: ['127.0.0.1'] }).request(`${trickle.url}/`, { timeoutMs: 300, maxBytes: 1_000_000 }));

    expect(error).toBeInstanceOf(EgressUnreachableError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(error.message).toBe(`Timed out after 300 ms fetching ${trickle.url}/`);
  });

  it('when the resolver never answers, then the deadline covers the lookup too', async () => {
    const never: HostResolver = () => new Promise(() => undefined);
    const error = await failure(client({ resolve: never }).request('https://stuck.example/', { timeoutMs: 100, what: 'status list' }));
    expect(error).toMatchObject({ reason: 'timeout', message: 'Timed out after 100 ms fetching status list' });
  });

  it('when the caller aborts, then the request rejects with the abort reason', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const hang = await peer(() => arrived());
    const controller = new AbortController();
    const reason = new Error('worker shutting down');

    const pending = client({ allowPrivateHosts: ['127.0.0.1'] }).request(`${hang.url}/`, { signal: controller.signal });
    await requestArrived;
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
  });

  it('when readBody is false, then the answer returns at its headers', async () => {
    const hang = await peer((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const response = await client({ allowPrivateHosts: ['127.0.0.1'] }).request(`${hang.url}/`, { method: 'POST', body: 'x', readBody: false, timeoutMs: 30_000 });
    expect(response).toMatchObject({ status: 200 });
    expect(response.body.length).toBe(0);
  });
});

describe('checkDestination', () => {
  it('when the destination is refused, then it is a 400 naming the field, without DNS for literals', async () => {
    const resolve = tableResolver({ 'inside.example': ['192.168.4.4'] });
    const egress = client({ resolve });

    for (const url of ['http://127.0.0.1:9/hook', 'http://inside.example/hook', 'ftp://x.example/']) {
      const error = await failure(egress.checkDestination(url, { field: 'callbackUrl' }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ status: 400, errors: [{ field: 'callbackUrl', message: expect.stringContaining('callbackUrl is refused') }] });
      expectClean(error.message, '192.168.4.4');
    }
    expect(resolve.calls).toEqual(['inside.example']);
  });

  it('when the name does not exist, then it is a 400 unless unknown hosts are allowed', async () => {
    const egress = client({ resolve: tableResolver({}) });

    await expect(egress.checkDestination('https://gone.example/m.json', { field: 'manifestURI' })).rejects.toMatchObject({
      status: 400,
      errors: [{ field: 'manifestURI', message: 'manifestURI host gone.example does not resolve' }],
    });
    await expect(egress.checkDestination('https://gone.example/m.json', { field: 'manifestURI', allowUnknownHost: true })).resolves.toBeUndefined();
  });

  it('when the destination is public or allowlisted, then it passes', async () => {
    const egress = client({ resolve: tableResolver({ 'public.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] }), allowPrivateHosts: ['gateway.internal'] });
    await expect(egress.checkDestination('https://public.example/hook', { field: 'callbackUrl' })).resolves.toBeUndefined();
    await expect(egress.checkDestination('https://[2606:4700::1111]/hook', { field: 'callbackUrl' })).resolves.toBeUndefined();
    await expect(egress.checkDestination('http://gateway.internal:8080/ipfs/x', { field: 'manifestURI', allowUnknownHost: true })).resolves.toBeUndefined();
  });
});
