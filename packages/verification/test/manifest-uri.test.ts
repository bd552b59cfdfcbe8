import { ValidationError } from '@vcq/errors';
import { describe, expect, it } from 'vitest';
import { parseManifestUri, parseVerificationFields, resolveManifestUrl } from '../src/index.js';

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
const CID_V0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG';
const REGISTRY = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseManifestUri', () => {
  it('when given http(s) URLs, then they parse as http locations', () => {
    expect(parseManifestUri('https://example.com/m.json')).toMatchObject({ kind: 'http' });
    expect(parseManifestUri('http://127.0.0.1:8080/a/b.json?x=1')).toMatchObject({ kind: 'http' });
  });

  it('when given ipfs://CID[/path], then CID and path are split', () => {
    expect(parseManifestUri(`ipfs://${CID}/dir/manifest.json`)).toEqual({ kind: 'ipfs', cid: CID, path: 'dir/manifest.json' });
    expect(parseManifestUri(`ipfs://${CID_V0}`)).toEqual({ kind: 'ipfs', cid: CID_V0, path: '' });
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/m.json',
    'data:application/json,{}',
    'javascript:alert(1)',
    'not a uri at all',
    '',
    'ipfs://',
    'ipfs://not-a-cid/manifest.json',
    `ipfs://${CID}/../../admin`,
    'https://user:secret@example.com/m.json',
  ])('when given %j, then it throws a ValidationError naming manifestURI', (uri) => {
    const error = validationErrorOf(() => parseManifestUri(uri));
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([{ field: 'manifestURI', message: expect.any(String) }]);
  });

  it('when given something that is not a string, then it throws a ValidationError', () => {
    expect(() => parseManifestUri(42)).toThrow(ValidationError);
  });
});

describe('resolveManifestUrl', () => {
  it('when the URI is ipfs://, then it maps onto the gateway', () => {
    expect(resolveManifestUrl(`ipfs://${CID}/dir/m.json`, 'http://gw.local:8080/')).toBe(
      `http://gw.local:8080/ipfs/${CID}/dir/m.json`,
    );
    expect(resolveManifestUrl(`ipfs://${CID}`, 'http://gw.local')).toBe(`http://gw.local/ipfs/${CID}`);
  });

  it('when the gateway is given with a trailing /ipfs/ (or /ipfs), then the path is not doubled', () => {
    for (const gateway of ['https://ipfs.io/ipfs/', 'https://ipfs.io/ipfs', 'https://ipfs.io/IPFS/', 'https://ipfs.io/']) {
      expect(resolveManifestUrl(`ipfs://${CID}/m.json`, gateway), gateway).toBe(`https://ipfs.io/ipfs/${CID}/m.json`);
    }
    expect(resolveManifestUrl(`ipfs://${CID}/m.json`, 'https://gw.example/prefix/ipfs/')).toBe(`https://gw.example/prefix/ipfs/${CID}/m.json`);
  });

  it('when the URI is http(s), then it is fetched directly', () => {
    expect(resolveManifestUrl('https://example.com/m.json', 'http://gw.local')).toBe('https://example.com/m.json');
  });
});

describe('parseVerificationFields', () => {
  it('when both fields are valid, then the address is checksummed and the URI kept', () => {
    expect(parseVerificationFields({ registryAddress: REGISTRY.toLowerCase(), manifestURI: `ipfs://${CID}` })).toEqual({
      registryAddress: REGISTRY,
      manifestUri: `ipfs://${CID}`,
    });
  });

  it('when registryAddress is missing, then the configured default is used', () => {
    expect(parseVerificationFields({ manifestURI: 'https://example.com/m.json' }, { registryAddress: REGISTRY })).toEqual({
      registryAddress: REGISTRY,
      manifestUri: 'https://example.com/m.json',
    });
  });

  it('when both fields are bad, then one ValidationError names each field', () => {
    const error = validationErrorOf(() => parseVerificationFields({ registryAddress: '0x1234', manifestURI: 'ftp://x/y' }));
    expect(error.errors?.map((e) => e.field)).toEqual(['registryAddress', 'manifestURI']);
  });

  it('when both fields are missing and there is no default, then both are reported as required', () => {
    const error = validationErrorOf(() => parseVerificationFields({ registryAddress: '', manifestURI: undefined }));
    expect(error.errors).toEqual([
      { field: 'registryAddress', message: expect.stringContaining('required') },
      { field: 'manifestURI', message: expect.stringContaining('required') },
    ]);
  });
});

describe('ipfs:// paths that try to leave /ipfs/<cid>', () => {
  it.each([
    `ipfs://${CID}/%2e%2e/%2e%2e/admin`,
    `ipfs://${CID}/%2E%2E/secret`,
    `ipfs://${CID}/a/..%2f..%2fadmin`,
    `ipfs://${CID}/a/%2e%2e%2F%2e%2e%2Fadmin`,
    `ipfs://${CID}/\\..\\..\\admin`,
    `ipfs://${CID}/a%5c..%5c..%5cadmin`,
    `ipfs://${CID}/a%5C%2e%2e`,
    `ipfs://${CID}/%252e%252e/admin`,
    `ipfs://${CID}/%25252e%25252e/admin`,
    `ipfs://${CID}/./manifest.json`,
    `ipfs://${CID}/%2e/manifest.json`,
  ])('when the path is %s, then it is a ValidationError naming manifestURI', (uri) => {
    const error = validationErrorOf(() => parseManifestUri(uri));
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([{ field: 'manifestURI', message: expect.stringMatching(/"\." or "\.\."|encoded too many times/) }]);
    expect(() => resolveManifestUrl(uri, 'http://gw.local:8080')).toThrow(ValidationError);
  });

  it.each([`ipfs://${CID}/bad%zzescape`, `ipfs://${CID}/nul%00byte.json`])('when the path is %s, then it is refused as malformed', (uri) => {
    expect(validationErrorOf(() => parseManifestUri(uri)).errors?.[0]?.field).toBe('manifestURI');
  });

  it('when the path is legitimate, then it keeps its segments and the gateway URL stays under /ipfs/<cid>', () => {
    expect(resolveManifestUrl(`ipfs://${CID}/dir/my%20manifest.json`, 'http://gw.local:8080/')).toBe(`http://gw.local:8080/ipfs/${CID}/dir/my%20manifest.json`);
    expect(resolveManifestUrl(`ipfs://${CID}/a..b/..c/d../manifest.json`, 'http://gw.local')).toBe(`http://gw.local/ipfs/${CID}/a..b/..c/d../manifest.json`);
    expect(resolveManifestUrl(`ipfs://${CID}//dir//m.json`, 'http://gw.local')).toBe(`http://gw.local/ipfs/${CID}/dir/m.json`);
    expect(resolveManifestUrl(`ipfs://${CID}/`, 'http://gw.local')).toBe(`http://gw.local/ipfs/${CID}`);
    expect(resolveManifestUrl(`ipfs://${CID}/m.json`, 'https://gw.local/base/')).toBe(`https://gw.local/base/ipfs/${CID}/m.json`);
  });

  it('when a decoded segment holds "?" or "#", then it stays inside the path instead of starting a query', () => {
    expect(resolveManifestUrl(`ipfs://${CID}/a%3Fb%23c.json`, 'http://gw.local')).toBe(`http://gw.local/ipfs/${CID}/a%3Fb%23c.json`);
  });
});
