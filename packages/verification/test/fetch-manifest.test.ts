import { randomUUID } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { createEgressClient, EgressRefusedError } from '@vcq/egress';
import { PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import {
  type IpfsGateway,
  listenOnLoopback,
  startTcpService,
  type ManifestServer,
  makeManifest,
  sha256Hex,
  startIpfsGateway,
  startManifestServer,
  type TestManifest,
} from '@vcq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchManifest, type ManifestFetchDeps } from '../src/index.js';

const SIGNER = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';

let server: ManifestServer;
let gateway: IpfsGateway;
let deps: ManifestFetchDeps;
let manifest: TestManifest;

beforeAll(async () => {
  server = await startManifestServer();
  gateway = await startIpfsGateway();
  // The manifest host and the gateway run on loopback, so the tests allowlist it.
  deps = { egress: createEgressClient({ allowPrivateHosts: ['127.0.0.1'], timeoutMs: 2_000, maxBytes: 4_096 }), ipfsGatewayUrl: gateway.url, fetchTimeoutMs: 2_000, maxManifestBytes: 4_096 };
  manifest = await makeManifest({ contentHash: sha256Hex('fetch-manifest'), account: SIGNER, chainId: 31337 });
});

afterAll(async () => {
  await server?.close();
  await gateway?.close();
});

/** A fresh path per test, so hit counts and routes never leak between tests. */
function path(): string {
  return `/manifests/${randomUUID()}.json`;
}

describe('fetchManifest', () => {
  it('when the host serves a valid manifest, then it is parsed and attestations default to []', async () => {
    const p = path();
    const { attestations: _, ...withoutAttestations } = manifest;
    server.put(p, withoutAttestations);

    const fetched = await fetchManifest(`${server.url}${p}`, deps);

    expect(fetched).toEqual({ ...manifest, attestations: [] });
    expect(server.hits(p)).toBe(1);
  });

  it('when the URI is ipfs://, then it is fetched through the gateway', async () => {
    gateway.add(CID, 'manifest.json', manifest);

    const fetched = await fetchManifest(`ipfs://${CID}/manifest.json`, deps);

    expect(fetched.content_hash).toBe(manifest.content_hash);
    expect(gateway.hits(`/ipfs/${CID}/manifest.json`)).toBe(1);
  });

  it('when the host answers 500, then it is an UpstreamError naming the URI and status', async () => {
    const p = path();
    server.fail(p, 500);
    const uri = `${server.url}${p}`;

    const error = await fetchManifest(uri, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toContain(uri);
    expect((error as Error).message).toContain('500');
  });

  it('when the host answers 404, then it is an UpstreamError so the job retries', async () => {
    const p = path();
    server.fail(p, 404);
    await expect(fetchManifest(`${server.url}${p}`, deps)).rejects.toThrow(UpstreamError);
  });

  it('when the host failed once and then recovers, then a retry succeeds', async () => {
    const p = path();
    server.fail(p, 503);
    await expect(fetchManifest(`${server.url}${p}`, deps)).rejects.toThrow(UpstreamError);

    server.put(p, manifest);
    await expect(fetchManifest(`${server.url}${p}`, deps)).resolves.toMatchObject({ signature: manifest.signature });
    expect(server.hits(p)).toBe(2);
  });

  it('when the body declares more than the cap, then it is a PermanentJobError', async () => {
    const p = path();
    server.put(p, { ...manifest, padding: 'x'.repeat(10_000) });
    await expect(fetchManifest(`${server.url}${p}`, deps)).rejects.toThrow(PermanentJobError);
  });

  it('when an unannounced body streams past the cap, then it is refused before it ends', async () => {
    const p = path();
    // Never ends: a reader that buffered the whole body first would hang until the timeout.
    server.put(p, '{"padding":"xxxxxxxxxxxxxxxx', { endless: true });

    const error = await fetchManifest(`${server.url}${p}`, { ...deps, fetchTimeoutMs: 30_000 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toMatch(/larger than the 4096-byte limit/);
  });

  it('when the body is not JSON, then it is a PermanentJobError that quotes none of it', async () => {
    const p = path();
    server.put(p, '<html>internal admin console</html>', { contentType: 'text/html' });

    const error = await fetchManifest(`${server.url}${p}`, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toBe(`Manifest ${server.url}${p} is not valid JSON`);
  });

  it('when the JSON is not a manifest, then a PermanentJobError lists the bad fields', async () => {
    const p = path();
    server.put(p, { ...manifest, algorithm: 'md5', content_hash: '0x1234' });

    const error = await fetchManifest(`${server.url}${p}`, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as PermanentJobError).errors?.map((e) => e.field).sort()).toEqual(['algorithm', 'content_hash']);
  });

  it('when the host is slower than the timeout, then it is an UpstreamError', async () => {
    const p = path();
    server.put(p, manifest, { delayMs: 60_000 });

    const error = await fetchManifest(`${server.url}${p}`, { ...deps, fetchTimeoutMs: 100 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe(`Timed out after 100 ms fetching manifest ${server.url}${p}`);
  });

  it('when the host cannot be reached, then it is an UpstreamError', async () => {
    const closed = await listenOnLoopback((_req, res) => res.end());
    await closed.close();
    await expect(fetchManifest(`${closed.url}/m.json`, deps)).rejects.toThrow(UpstreamError);
  });

  it('when the caller aborts, then the fetch rejects with the abort reason', async () => {
    const p = path();
    server.put(p, manifest, { delayMs: 60_000 });
    const controller = new AbortController();
    const reason = new Error('worker shutting down');

    const pending = fetchManifest(`${server.url}${p}`, deps, controller.signal);
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
  });

  it.each(['ftp://example.com/m.json', 'file:///etc/passwd', 'data:application/json,{}'])(
    'when the scheme is unsupported (%s), then it is a ValidationError and nothing is fetched',
    async (uri) => {
      await expect(fetchManifest(uri, deps)).rejects.toThrow(ValidationError);
    },
  );
});

describe('fetchManifest through the egress policy', () => {
  const BANNER = '-NOAUTH internal-redis-secret-5d1e\r\n';
  const strict = (resolve?: (host: string) => Promise<LookupAddress[]>) =>
    ({ ...deps, egress: createEgressClient({ allowPrivateHosts: [], timeoutMs: 2_000, maxBytes: 4_096, ...(resolve ? { resolve } : {}) }) });

  it('when the manifest URI names an internal TCP service and nothing is allowlisted, then it is refused and the service is never reached', async () => {
    const service = await startTcpService(BANNER);
    try {
      const error = await fetchManifest(`http://127.0.0.1:${service.port}/`, strict()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EgressRefusedError);
      expect(error).toBeInstanceOf(PermanentJobError);
      expect((error as Error).message).not.toContain('internal-redis-secret');
      expect(service.connections()).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('when a public-looking name resolves to the internal service, then it is refused without saying where it resolves', async () => {
    const service = await startTcpService(BANNER);
    const resolve = async (): Promise<LookupAddress[]> => [{ address: '127.0.0.1', family: 4 }];
    try {
      const error = await fetchManifest(`http://manifests.example:${service.port}/m.json`, strict(resolve)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EgressRefusedError);
      expect((error as Error).message).toBe(`manifest http://manifests.example:${service.port}/m.json is refused: manifests.example resolves to a private or reserved address`);
      expect(service.connections()).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('when an allowlisted service answers with something other than HTTP, then the error carries none of its bytes', async () => {
    const service = await startTcpService(BANNER);
    try {
      const error = await fetchManifest(`http://127.0.0.1:${service.port}/`, deps).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as Error).message).not.toContain('internal-redis-secret');
      expect((error as Error).message).not.toContain('NOAUTH');
      expect(service.connections()).toBe(1);
    } finally {
      await service.close();
    }
  });

  it('when the allowlisted manifest host redirects to a name that is not (localhost), then the hop is refused', async () => {
    const service = await startTcpService(BANNER);
    const redirector = await listenOnLoopback((_req, res) => res.writeHead(302, { location: `http://localhost:${service.port}/` }).end());
    try {
      const error = await fetchManifest(`${redirector.url}/m.json`, deps).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(EgressRefusedError);
      expect((error as Error).message).toContain('a redirect leads to a private or reserved address');
      expect(service.connections()).toBe(0);
    } finally {
      await Promise.all([service.close(), redirector.close()]);
    }
  });
});
