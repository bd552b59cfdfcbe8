/**
 * Organizations in the credentials domain: a DID belongs to the organization that
 * created it, and only that organization may issue with it, update or deactivate it;
 * credentials and status lists belong to the issuing organization.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { NotFoundError, PermanentJobError } from '@vcq/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DidView } from '../src/index.js';
import { startVcqHost, type VcqHost } from './support.js';

let vcq: VcqHost;
let acmeKey: DidView;
let acmeWeb: DidView;

beforeAll(async () => {
  vcq = await startVcqHost();
  acmeKey = await vcq.service.dids.create({ method: 'key' }, { organizationId: 'acme' });
  acmeWeb = await vcq.service.dids.create({ method: 'web', path: ['issuers', `acme-${randomUUID().slice(0, 8)}`] }, { organizationId: 'acme' });
});

afterAll(async () => {
  await vcq?.close();
});

const issuance = (organizationId: string) => ({
  issuerDid: acmeKey.did,
  subjectDid: 'did:example:alice',
  credentialType: 'MembershipCredential',
  claims: { member: true },
  organizationId,
});

describe('organizations', () => {
  it('when a DID is created for an organization, then its view and row name that organization', async () => {
    expect(acmeKey.organizationId).toBe('acme');
    const [row] = await vcq.db.$queryRaw<Array<{ organization_id: string }>>`SELECT organization_id FROM dids WHERE did = ${acmeWeb.did}`;
    expect(row?.organization_id).toBe('acme');
    expect(await vcq.service.dids.ownerOf(acmeWeb.did)).toBe('acme');
    expect(await vcq.service.dids.ownerOf('did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG')).toBeNull();
  });

  it("when another organization issues with an organization's DID, then it fails as unknown_issuer and nothing is stored", async () => {
    const id = randomUUID();
    const attempt = vcq.service.credentials.issue({ ...issuance('globex'), id });
    await expect(attempt).rejects.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toMatchObject({ code: 'unknown_issuer', message: expect.stringContaining('does not control the issuer DID') });
    expect(await vcq.service.credentials.get(id)).toBeNull();
    // The default organization is just another organization here.
    await expect(vcq.service.credentials.issue({ ...issuance('default'), id: randomUUID() })).rejects.toMatchObject({ code: 'unknown_issuer' });
  });

  it('when the owning organization issues, then the credential and the status list it lands in belong to it', async () => {
    const result = await vcq.service.credentials.issue({ ...issuance('acme'), userId: 'user-7', id: randomUUID() });
    const credential = await vcq.service.credentials.get(result.credentialId);
    expect(credential).toMatchObject({ organizationId: 'acme', userId: 'user-7', issuer: acmeKey.did });
    const [list] = await vcq.db.$queryRaw<Array<{ organization_id: string }>>`SELECT organization_id FROM status_lists WHERE id = ${credential?.statusListId}`;
    expect(list?.organization_id).toBe('acme');
  });

  it("when another organization updates or deactivates an organization's did:web, then it is not found and the DID is unchanged", async () => {
    const before = await vcq.db.did.findUniqueOrThrow({ where: { did: acmeWeb.did } });
    await expect(vcq.service.dids.update(acmeWeb.did, { rotateKey: true }, { organizationId: 'globex' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(vcq.service.dids.deactivate(acmeWeb.did, { organizationId: 'globex' })).rejects.toBeInstanceOf(NotFoundError);
    const after = await vcq.db.did.findUniqueOrThrow({ where: { did: acmeWeb.did } });
    expect(after).toMatchObject({ status: 'active', keyId: before.keyId, encryptedKey: before.encryptedKey });

    const rotated = await vcq.service.dids.update(acmeWeb.did, { rotateKey: true }, { organizationId: 'acme' });
    expect(rotated.keyId).not.toBe(before.keyId);
  });

  it('when two organizations import the same key, then the second gets a conflict rather than the first one’s DID', async () => {
    const seedHex = randomBytes(32).toString('hex');
    const first = await vcq.service.dids.create({ method: 'key', seedHex }, { organizationId: 'acme' });
    // The same organization importing it again is a retry: the same DID.
    await expect(vcq.service.dids.create({ method: 'key', seedHex }, { organizationId: 'acme' })).resolves.toMatchObject({ did: first.did, organizationId: 'acme' });
    await expect(vcq.service.dids.create({ method: 'key', seedHex }, { organizationId: 'globex' })).rejects.toMatchObject({ code: 'did_exists', status: 409 });
    expect(await vcq.service.dids.ownerOf(first.did)).toBe('acme');
  });
});
