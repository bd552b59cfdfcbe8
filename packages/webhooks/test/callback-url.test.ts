import type { LookupAddress } from 'node:dns';
import { PermanentJobError, UpstreamError, ValidationError } from '@vcq/errors';
import { describe, expect, it } from 'vitest';
import { checkCallbackUrl, classifyAddress } from '../src/index.js';

async function refusal(url: string, options: Parameters<typeof checkCallbackUrl>[1] = { allowPrivate: false }): Promise<unknown> {
  return checkCallbackUrl(url, options).then(
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
    ['http://172.16.0.1/hook', 'private'],
    ['http://172.31.255.254/hook', 'private'],
    ['http://192.168.1.10/hook', 'private'],
    ['http://100.64.0.1/hook', 'shared (CGNAT)'],
    ['http://100.127.255.254/hook', 'shared (CGNAT)'],
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://127.255.0.9/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://[fe80::1]/hook', 'link-local'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['http://[::]/hook', 'unspecified'],
    ['http://224.0.0.1/hook', 'multicast'],
    ['http://[ff02::1]/hook', 'multicast'],
    ['http://255.255.255.255/hook', 'reserved'],
    ['http://[fc00::1]/hook', 'unique-local'],
    ['http://[fd12:3456::1]/hook', 'unique-local'],
    ['http://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['http://[::ffff:10.0.0.1]/hook', 'private'],
    ['http://[::ffff:a9fe:a9fe]/hook', 'link-local'],
    ['http://[64:ff9b::192.168.0.1]/hook', 'private'],
    // IPv4 spellings the URL parser normalises to 127.0.0.1.
    ['http://2130706433/hook', 'loopback'],
    ['http://0x7f.1/hook', 'loopback'],
  ])('when the URL is %s, then it is refused as %s, naming callbackUrl', async (url, kind) => {
    const error = await refusal(url);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).errors).toEqual([{ field: 'callbackUrl', message: expect.stringContaining(`(${kind})`) }]);
  });

  it('when the host is localhost, then DNS resolves it to loopback and it is refused', async () => {
    const error = await refusal('http://localhost:3000/hook');
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/);
  });

  it('when allowPrivate is true, then loopback (literal and localhost) is let through', async () => {
    await expect(checkCallbackUrl('http://127.0.0.1:9/hook', { allowPrivate: true })).resolves.toBeInstanceOf(URL);
    const url = await checkCallbackUrl('http://localhost:9/hook?x=1', { allowPrivate: true });
    expect(url.href).toBe('http://localhost:9/hook?x=1');
  });

  it('when the address is public, then the parsed URL is returned', async () => {
    await expect(checkCallbackUrl('https://93.184.215.14/hooks/vcq', { allowPrivate: false })).resolves.toMatchObject({
      hostname: '93.184.215.14',
    });
    await expect(checkCallbackUrl('https://[2606:4700::1111]/hook', { allowPrivate: false })).resolves.toBeInstanceOf(URL);
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
    const error = await refusal(url, { allowPrivate: true, resolve });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors?.[0]?.field).toBe('callbackUrl');
  });

  it('when a name resolves to a public and a private address, then it is refused', async () => {
    const resolve = fakeDns({ 'mixed.example': ['93.184.215.14', '10.0.0.7'] });
    const error = await refusal('https://mixed.example/hook', { allowPrivate: false, resolve });
    expect((error as Error).message).toContain('mixed.example resolves to 10.0.0.7 (private)');
  });

  it('when a name resolves only to public addresses, then it is accepted', async () => {
    const resolve = fakeDns({ 'public.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });
    await expect(checkCallbackUrl('https://public.example/hook', { allowPrivate: false, resolve })).resolves.toBeInstanceOf(URL);
  });

  it('when the phase is delivery, then the same refusal is a PermanentJobError', async () => {
    const error = await refusal('http://127.0.0.1/hook', { allowPrivate: false, phase: 'delivery' });
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error).toMatchObject({ code: 'callback_url_refused', errors: [{ field: 'callbackUrl' }] });
  });

  it('when a name does not exist, then submission is a 400 but delivery retries', async () => {
    const resolve = fakeDns({});
    expect(await refusal('https://gone.example/hook', { allowPrivate: false, resolve })).toBeInstanceOf(ValidationError);
    expect(await refusal('https://gone.example/hook', { allowPrivate: false, resolve, phase: 'delivery' })).toBeInstanceOf(UpstreamError);
  });

  it('when the resolver fails for a passing reason, then it is an UpstreamError', async () => {
    const resolve = async (): Promise<LookupAddress[]> => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN slow.example'), { code: 'EAI_AGAIN' });
    };
    const error = await refusal('https://slow.example/hook', { allowPrivate: false, resolve });
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('classifyAddress', () => {
  it('when given public addresses, then none is refused', () => {
    for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect(classifyAddress(address), address).toBeNull();
    }
  });

  it('when given text that is not an IP, then it throws', () => {
    expect(() => classifyAddress('example.com')).toThrow(TypeError);
  });
});
