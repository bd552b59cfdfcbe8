import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../src/index.js';

const SECRET = 'whsec-test-0123456789abcdef';
const BODY = JSON.stringify({ event: 'vc.issued', jobId: 'job-1', data: { ok: true }, createdAt: '2026-01-01T00:00:00.000Z' });
const T = 1_767_225_600;
const DELIVERY = '3f1c2a9e-7b4d-4e8a-9c61-2d5f0b8e4a17';
const OTHER_DELIVERY = 'b0a4e6f2-1c3d-4b5a-8e7f-9a0b1c2d3e4f';

const hex = (input: string, secret = SECRET) => createHmac('sha256', secret).update(input).digest('hex');

describe('signWebhook', () => {
  it('when signing, then the header is t=<seconds>,v1=<HMAC of "t.body">,v2=<HMAC of "t.deliveryId.body">', () => {
    expect(signWebhook(BODY, SECRET, { deliveryId: DELIVERY, timestampSeconds: T })).toBe(
      `t=${T},v1=${hex(`${T}.${BODY}`)},v2=${hex(`${T}.${DELIVERY}.${BODY}`)}`,
    );
  });

  it('when no timestamp is given, then the current unix time is used', () => {
    const before = Math.floor(Date.now() / 1000);
    const t = Number(/^t=(\d+),/.exec(signWebhook(BODY, SECRET, { deliveryId: DELIVERY }))?.[1]);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(before + 1);
  });

  it('when the secret is empty, then it refuses to sign', () => {
    expect(() => signWebhook(BODY, '', { deliveryId: DELIVERY, timestampSeconds: T })).toThrow(RangeError);
  });

  it('when the delivery id is empty or holds a ".", then it refuses to sign (the id and the body could trade bytes)', () => {
    expect(() => signWebhook(BODY, SECRET, { deliveryId: '', timestampSeconds: T })).toThrow(RangeError);
    expect(() => signWebhook(BODY, SECRET, { deliveryId: 'a.b', timestampSeconds: T })).toThrow(RangeError);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhook(BODY, SECRET, { deliveryId: DELIVERY, timestampSeconds: T });
  const [t, v1, v2] = header.split(',') as [string, string, string];
  const check = { deliveryId: DELIVERY, now: T };

  it('when the body, delivery id, secret and timestamp match, then it verifies (string or bytes)', () => {
    expect(verifyWebhookSignature(header, BODY, SECRET, check)).toBe(true);
    expect(verifyWebhookSignature(header, Buffer.from(BODY), SECRET, { deliveryId: DELIVERY, now: T + 299 })).toBe(true);
  });

  it('when the request is replayed under another delivery id, then v2 does not verify', () => {
    expect(verifyWebhookSignature(header, BODY, SECRET, { deliveryId: OTHER_DELIVERY, now: T })).toBe(false);
  });

  it('when the delivery id is missing or repeated, then it fails', () => {
    expect(verifyWebhookSignature(header, BODY, SECRET, { deliveryId: undefined, now: T })).toBe(false);
    expect(verifyWebhookSignature(header, BODY, SECRET, { deliveryId: [DELIVERY, DELIVERY], now: T })).toBe(false);
    expect(verifyWebhookSignature(header, BODY, SECRET, { deliveryId: '', now: T })).toBe(false);
  });

  it('when bytes move between the delivery id and the body, then it fails', () => {
    const moved = `${DELIVERY}.${BODY.slice(0, 1)}`;
    expect(verifyWebhookSignature(header, BODY.slice(1), SECRET, { deliveryId: moved, now: T })).toBe(false);
  });

  it('when only v1 is present, then it fails unless the caller accepts v1; with acceptV1 it verifies without a delivery id', () => {
    const v1Only = `${t},${v1}`;
    expect(verifyWebhookSignature(v1Only, BODY, SECRET, check)).toBe(false);
    expect(verifyWebhookSignature(v1Only, BODY, SECRET, { ...check, acceptV1: true })).toBe(true);
    expect(verifyWebhookSignature(v1Only, BODY, SECRET, { acceptV1: true, now: T })).toBe(true);
    expect(verifyWebhookSignature(header, BODY, SECRET, { acceptV1: true, now: T })).toBe(true);
  });

  it('when only v2 is present, then it verifies with the delivery id', () => {
    expect(verifyWebhookSignature(`${t},${v2}`, BODY, SECRET, check)).toBe(true);
  });

  it('when the body is tampered with, then it fails under v2 and v1 alike', () => {
    for (const body of [BODY.replace('true', 'false'), `${BODY} `]) {
      expect(verifyWebhookSignature(header, body, SECRET, check)).toBe(false);
      expect(verifyWebhookSignature(header, body, SECRET, { ...check, acceptV1: true })).toBe(false);
    }
  });

  it('when the timestamp is changed, then it fails', () => {
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifyWebhookSignature(moved, BODY, SECRET, check)).toBe(false);
    expect(verifyWebhookSignature(moved, BODY, SECRET, { ...check, acceptV1: true })).toBe(false);
  });

  it('when the secret is wrong, then it fails', () => {
    expect(verifyWebhookSignature(header, BODY, `${SECRET}x`, { ...check, acceptV1: true })).toBe(false);
  });

  it('when the timestamp is older (or newer) than the tolerance, then it fails', () => {
    expect(verifyWebhookSignature(header, BODY, SECRET, { deliveryId: DELIVERY, now: T + 301 })).toBe(false);
    expect(verifyWebhookSignature(header, BODY, SECRET, { deliveryId: DELIVERY, now: T - 301 })).toBe(false);
    expect(verifyWebhookSignature(header, BODY, SECRET, { deliveryId: DELIVERY, now: T + 3600, toleranceSeconds: 3600 })).toBe(true);
  });

  it('when several v2 values are present, then one matching is enough (secret rotation)', () => {
    const old = signWebhook(BODY, 'the-old-secret-0000000', { deliveryId: DELIVERY, timestampSeconds: T }).split(',')[2];
    expect(verifyWebhookSignature(`${t},${old},${v2}`, BODY, SECRET, check)).toBe(true);
    expect(verifyWebhookSignature(`${t},${old}`, BODY, SECRET, check)).toBe(false);
  });

  it('when the header is missing or malformed, then it fails without throwing', () => {
    for (const bad of [undefined, '', 'garbage', `t=${T}`, v2, `t=abc,${v2}`, `t=${T},t=${T},${v2}`, `t=${T},v2=zz`, `t=${T},v2=${'0'.repeat(64)}`]) {
      expect(verifyWebhookSignature(bad, BODY, SECRET, check), String(bad)).toBe(false);
    }
  });

  it('when the header has spaces and unknown schemes, then they are tolerated', () => {
    expect(verifyWebhookSignature(`${t}, v0=abc, v3=def, ${v2}`, BODY, SECRET, check)).toBe(true);
  });
});
