/**
 * Effects exactly once, at the domain level: a job that runs again (its worker died
 * after the effect, before the job's outcome was recorded) hands its id to the
 * operation, which returns what the first run made instead of making it again.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVcqHost, type VcqHost } from './support.js';

let vcq: VcqHost;

beforeAll(async () => {
  vcq = await startVcqHost();
});

afterAll(async () => {
  await vcq?.close();
});

const countDids = async () => vcq.db.did.count();

describe('did-create keyed by its job', () => {
  it('when a did:key creation runs twice for one job, then the second returns the first DID and stores no second key', async () => {
    const jobId = randomUUID();
    const before = await countDids();
    const first = await vcq.service.dids.create({ method: 'key' }, undefined, { jobId });
    const again = await vcq.service.dids.create({ method: 'key' }, undefined, { jobId });
    expect(again.did).toBe(first.did);
    expect(again.keyId).toBe(first.keyId);
    expect((await countDids()) - before).toBe(1);
    expect((await vcq.db.did.findUnique({ where: { did: first.did } }))?.jobId).toBe(jobId);
  });

  it('when two runs of one job create a did:key at the same moment, then both return the one DID stored', async () => {
    const jobId = randomUUID();
    const before = await countDids();
    const runs = await Promise.all(Array.from({ length: 4 }, () => vcq.service.dids.create({ method: 'key' }, undefined, { jobId })));
    expect(new Set(runs.map((r) => r.did)).size).toBe(1);
    expect((await countDids()) - before).toBe(1);
  });

  it('when a did:web creation with a path runs twice for one job, then the second returns it instead of a did_exists conflict', async () => {
    const jobId = randomUUID();
    const path = [`again-${randomUUID().slice(0, 8)}`];
    const first = await vcq.service.dids.create({ method: 'web', path }, undefined, { jobId });
    const again = await vcq.service.dids.create({ method: 'web', path }, undefined, { jobId });
    expect(again).toMatchObject({ did: first.did, keyId: first.keyId });
    // Another job asking for the same did:web still conflicts: the key is the job, not the input.
    await expect(vcq.service.dids.create({ method: 'web', path }, undefined, { jobId: randomUUID() })).rejects.toMatchObject({ code: 'did_exists' });
  });

  it('when DIDs are created by different jobs, then each gets its own DID', async () => {
    const a = await vcq.service.dids.create({ method: 'key' }, undefined, { jobId: randomUUID() });
    const b = await vcq.service.dids.create({ method: 'key' }, undefined, { jobId: randomUUID() });
    expect(a.did).not.toBe(b.did);
  });
});

describe('did-update and did-deactivate run again', () => {
  it('when a key rotation runs twice for one job, then the key rotates once and the second run returns the rotated DID', async () => {
    const created = await vcq.service.dids.create({ method: 'web', path: [`rot-${randomUUID().slice(0, 8)}`] });
    const jobId = randomUUID();
    const first = await vcq.service.dids.update(created.did, { rotateKey: true }, undefined, { jobId });
    const again = await vcq.service.dids.update(created.did, { rotateKey: true }, undefined, { jobId });
    expect(first.keyId).not.toBe(created.keyId);
    expect(again.keyId).toBe(first.keyId);
    const row = await vcq.db.did.findUnique({ where: { did: created.did } });
    // One earlier key listed (the original), not two.
    expect(row?.previousKeys).toEqual([expect.objectContaining({ id: created.keyId })]);
    // A different job's rotation still rotates.
    const next = await vcq.service.dids.update(created.did, { rotateKey: true }, undefined, { jobId: randomUUID() });
    expect(next.keyId).not.toBe(first.keyId);
  });

  it('when a deactivation runs twice, then the second returns the deactivated DID unchanged', async () => {
    const created = await vcq.service.dids.create({ method: 'web', path: [`off-${randomUUID().slice(0, 8)}`] });
    const first = await vcq.service.dids.deactivate(created.did);
    const again = await vcq.service.dids.deactivate(created.did);
    expect(first.status).toBe('deactivated');
    expect(again).toEqual(first);
  });
});

describe('issue-credential keyed by its job', () => {
  it('when an issuance runs twice with the same id, then it returns the first credential and stores one', async () => {
    const issuer = await vcq.service.dids.create({ method: 'key' });
    const id = randomUUID();
    const input = { issuerDid: issuer.did, subjectDid: issuer.did, credentialType: 'Once', claims: { n: 1 }, id };
    const first = await vcq.service.credentials.issue(input);
    const again = await vcq.service.credentials.issue(input);
    expect(again.credentialId).toBe(first.credentialId);
    expect(again.vcJwt).toBe(first.vcJwt);
    expect(await vcq.db.credential.count({ where: { id } })).toBe(1);
    expect(await vcq.db.credential.count({ where: { issuer: issuer.did } })).toBe(1);
  });
});
