import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IpfsGateway, type ManifestServer, startIpfsGateway, startManifestServer } from '../src/index.js';

let server: ManifestServer;
let gateway: IpfsGateway;

beforeAll(async () => {
  server = await startManifestServer();
  gateway = await startIpfsGateway();
});

afterAll(async () => {
  await server?.close();
  await gateway?.close();
});

describe('startManifestServer', () => {
  it('when an object is put, then it is served as JSON and each request is counted', async () => {
    server.put('/m/ok.json', { hello: 'world' });

    const first = await fetch(`${server.url}/m/ok.json`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(await first.json()).toEqual({ hello: 'world' });
    await (await fetch(`${server.url}/m/ok.json?again=1`)).arrayBuffer();

    expect(server.hits('/m/ok.json')).toBe(2);
  });

  it('when a path is made to fail, then it answers the chosen status', async () => {
    server.fail('/m/broken.json');
    server.fail('/m/gone.json', 404);

    expect((await fetch(`${server.url}/m/broken.json`)).status).toBe(500);
    expect((await fetch(`${server.url}/m/gone.json`)).status).toBe(404);
  });

  it('when nothing was put at a path, then it answers 404 and still counts the hit', async () => {
    const response = await fetch(`${server.url}/m/unknown.json`);
    expect(response.status).toBe(404);
    expect(server.hits('/m/unknown.json')).toBe(1);
  });

  it('when a route is delayed and the client gives up, then the client sees its own timeout', async () => {
    server.put('/m/slow.json', { late: true }, { delayMs: 60_000 });

    await expect(fetch(`${server.url}/m/slow.json`, { signal: AbortSignal.timeout(50) })).rejects.toThrow(/abort|timeout/i);
    expect(server.hits('/m/slow.json')).toBe(1);
  });

  it('when a route is endless, then the body keeps coming past any size', async () => {
    server.put('/m/endless.json', 'x'.repeat(1024), { endless: true });

    const response = await fetch(`${server.url}/m/endless.json`);
    expect(response.headers.get('content-length')).toBeNull();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value?.byteLength ?? 0;
    await reader.cancel();
    expect(received).toBeGreaterThanOrEqual(1024 * 1024);
  });
});

describe('startIpfsGateway', () => {
  const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';

  it('when content is added under a CID, then /ipfs/<cid>/<path> serves it', async () => {
    gateway.add(cid, 'dir/manifest.json', { ok: true });

    const response = await fetch(`${gateway.url}/ipfs/${cid}/dir/manifest.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('when a CID or path was never added, then the gateway answers 404', async () => {
    expect((await fetch(`${gateway.url}/ipfs/${cid}/other.json`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG`)).status).toBe(404);
  });
});
