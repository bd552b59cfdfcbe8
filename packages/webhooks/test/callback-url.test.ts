import type { LookupAddress } from 'node:dns';
import { createEgressClient, type EgressClientOptions } from '@vcq/egress';
import { UpstreamError, ValidationError } from '@vcq/errors';
import { describe, expect, it } from 'vitest';
import { checkCallbackUrl } from '../src/index.js';

function egress(overrides: Partial<EgressClientOptions> = {}) {
  return createEgressClient({ allowPrivateHosts: [], timeoutMs: 2_000, maxBytes: 1024, ...overrides });
}

async function refusal(url: string, client = egress()): Promise<unknown> {
  return checkCallbackUrl(url, client).then(
    () => {
      throw new Error(`expected ${url} to be refused`);
    },
    (error: unknown) => error,
  );
}

/** A resolver that answers from a fixed table, for names real DNS cannot give in a test. */
function fakeDns(table: Record<string, string[]>) {
  return async (host: string): Promise<LookupAddress[]> => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('checkCallbackUrl', () => {
  it.each([
    ['http://10.1.2.3/hook', 'private'],
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://[::ffff:127.0.0.1]/hook', 'IPv4-mapped'],
    ['http://[64:ff9b::192.168.0.1]/hook', 'NAT64'],
    ['http://203.0.113.5/hook', 'documentation'],
  ])('when the URL is %s, then it is refused as %s, naming callbackUrl', async (url, kind) => {
    const error = await refusal(url);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).errors).toEqual([{ field: 'callbackUrl', message: expect.stringContaining(`(${kind})`) }]);
  });

  it('when the host is localhost, then DNS resolves it to loopback and it is refused without naming the address', async () => {
    const error = await refusal('http://localhost:3000/hook');
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe('callbackUrl is refused: localhost resolves to a private or reserved address');
  });

  it('when the host is on the egress allowlist, then loopback (literal and by name) is let through', async () => {
    const allowing = egress({ allowPrivateHosts: ['127.0.0.1', 'localhost:9'] });
    await expect(checkCallbackUrl('http://127.0.0.1:9/hook', allowing)).resolves.toBeUndefined();
    await expect(checkCallbackUrl('http://localhost:9/hook?x=1', allowing)).resolves.toBeUndefined();
    expect(await refusal('http://localhost:10/hook', allowing)).toBeInstanceOf(ValidationError);
  });

  it('when the address is public, then it passes', async () => {
    await expect(checkCallbackUrl('https://93.184.215.14/hooks/vcq', egress())).resolves.toBeUndefined();
    await expect(checkCallbackUrl('https://[2606:4700::1111]/hook', egress())).resolves.toBeUndefined();
  });

  it.each([
    'ftp://example.com/hook',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'not a url',
    '/relative/path',
    'https://user:pass@example.com/hook',
    `https://example.com/${'a'.repeat(2048)}`,
  ])('when the URL is %j, then it is refused before any DNS lookup', async (url) => {
    const resolve = async (): Promise<LookupAddress[]> => {
      throw new Error('DNS must not be asked');
    };
    const error = await refusal(url, egress({ allowPrivateHosts: ['example.com'], resolve }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors?.[0]?.field).toBe('callbackUrl');
  });

  it('when a name does not exist, then submission is a 400; a resolver hiccup is an UpstreamError', async () => {
    expect(await refusal('https://gone.example/hook', egress({ resolve: fakeDns({}) }))).toBeInstanceOf(ValidationError);
    const hiccup = async (): Promise<LookupAddress[]> => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN slow.example'), { code: 'EAI_AGAIN' });
    };
    const error = await refusal('https://slow.example/hook', egress({ resolve: hiccup }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
