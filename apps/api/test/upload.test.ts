/**
 * The upload door (middleware/upload.ts) over real HTTP: what the route gets (hash,
 * size, fields) and what a bad form answers, wherever the request's chunks happen to
 * split the form (a delimiter, a header end, a CR at a chunk's end), for one file,
 * a batch, the size limit, truncated and misdirected forms, and a client that leaves.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../src/middleware/problem.js';
import { hashedUpload, hashedUploads, uploadedFile, uploadedFiles } from '../src/middleware/upload.js';

const MAX = 256 * 1024;
let base = '';
let close = () => {};

beforeAll(async () => {
  const app = express();
  app.post('/one', ...hashedUpload(MAX), (req, res) => {
    res.json({ file: uploadedFile(req), fields: req.body });
  });
  app.post('/many', ...hashedUploads(MAX, 4), (req, res) => {
    res.json({ files: uploadedFiles(req), fields: req.body });
  });
  app.use(errorHandler(MAX));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

const sha = (bytes: Buffer) => `0x${createHash('sha256').update(bytes).digest('hex')}`;

interface Part {
  name: string;
  value?: string;
  file?: Buffer;
  filename?: string;
}

function form(boundary: string, parts: Part[], end = true): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.file ? `; filename="${part.filename ?? 'a.bin'}"` : ''}`;
    const type = part.file ? 'Content-Type: application/octet-stream\r\n' : '';
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'latin1'));
    pieces.push(part.file ?? Buffer.from(part.value ?? ''));
    pieces.push(Buffer.from('\r\n'));
  }
  if (end) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

/**
 * POSTs `body` in the given pieces. The server runs in this process: each piece is
 * written once the last one is flushed and the event loop has polled, so the server
 * reads them apart.
 */
function post(path: string, contentType: string, body: Buffer, cuts: number[] = []): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
    });
    req.on('error', reject);
    const points = [...new Set(cuts.filter((c) => c > 0 && c < body.length))].sort((a, b) => a - b);
    let at = 0;
    const next = () => {
      const cut = points.shift();
      if (cut === undefined) {
        req.end(body.subarray(at));
        return;
      }
      const piece = body.subarray(at, cut);
      at = cut;
      req.write(piece, () => setImmediate(next));
    };
    next();
  });
}

/** A file body full of near-delimiters: CRs, CRLF--, and the boundary's own start, some of them at likely cuts. */
function trickyFile(boundary: string, size: number): Buffer {
  const file = randomBytes(size);
  const near = [`\r`, `\r\n`, `\r\n-`, `\r\n--`, `\r\n--${boundary.slice(0, boundary.length - 1)}`, `\r\n\r\n`, `--${boundary}`];
  for (let i = 0; i < 40; i++) {
    const bit = Buffer.from(near[i % near.length] as string, 'latin1');
    if (bit.length < size) bit.copy(file, Math.floor(Math.random() * (size - bit.length)));
  }
  // Near, never a real one (the header block's last CRLF counts before the first byte).
  const real = Buffer.from(`\r\n--${boundary}`, 'latin1');
  return Buffer.concat([Buffer.from('\r\n'), file]).indexOf(real) === -1 ? file : trickyFile(boundary, size);
}

describe('upload door', () => {
  const boundary = '----formdata-vcq-4ce7a1';
  const contentType = `multipart/form-data; boundary=${boundary}`;

  it('hashes the file and reads the fields, wherever the chunks split the form', async () => {
    for (let round = 0; round < 30; round++) {
      const file = trickyFile(boundary, 1 + Math.floor(Math.random() * 120_000));
      const body = form(boundary, [
        { name: 'manifestURI', value: 'https://example.org/m.json' },
        { name: 'file', file },
        { name: 'callbackUrl', value: 'https://example.org/hook' },
      ]);
      // Cuts at random, and right around the file's header end and its closing delimiter.
      const start = body.indexOf('\r\n\r\n', body.indexOf('filename=')) + 4;
      const stop = start + file.length;
      const cuts = [start - 3, start - 2, start - 1, start, start + 1, stop, stop + 1, stop + 3, stop + 10].filter(() => Math.random() < 0.4);
      for (let i = 0; i < 4; i++) cuts.push(Math.floor(Math.random() * body.length));
      const res = await post('/one', contentType, body, cuts);
      expect(res.status, JSON.stringify({ round, cuts, res: res.json })).toBe(200);
      expect(res.json.file).toMatchObject({ fieldname: 'file', originalname: 'a.bin', size: file.length, sha256: sha(file) });
      expect(res.json.fields).toEqual({ manifestURI: 'https://example.org/m.json', callbackUrl: 'https://example.org/hook' });
      // The same form under a content-type with another parameter reads the same way.
      const plain = await post('/one', `${contentType}; x="a\\"b"`, body, cuts);
      expect(plain.json).toEqual(res.json);
    }
  });

  it('hashes each file of a batch', async () => {
    const files = [trickyFile(boundary, 70_000), Buffer.alloc(0), Buffer.from('x'), trickyFile(boundary, 3000)];
    const body = form(boundary, [...files.map((file, i) => ({ name: 'file', file, filename: `f${i}.bin` })), { name: 'manifestURI', value: 'u' }]);
    for (const cuts of [[], [100, 70_010, 70_200], Array.from({ length: 30 }, (_, i) => i * 2500 + 7)]) {
      const res = await post('/many', contentType, body, cuts);
      expect(res.status).toBe(200);
      expect((res.json.files as Array<{ size: number; sha256: string }>).map((f) => [f.size, f.sha256])).toEqual(files.map((f) => [f.length, sha(f)]));
    }
  });

  it('takes a file of exactly the limit, and answers 413 for one byte more', async () => {
    const exact = await post('/one', contentType, form(boundary, [{ name: 'file', file: randomBytes(MAX) }]), [5000, 100_000]);
    expect(exact.status).toBe(200);
    expect((exact.json.file as { size: number }).size).toBe(MAX);
    const over = await post('/one', contentType, form(boundary, [{ name: 'file', file: randomBytes(MAX + 1) }]), [5000, 100_000]);
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ type: 'urn:vcq:problem:payload_too_large', errors: [{ field: 'file' }] });
  });

  it('answers 400 for a form that ends inside the file, and for a file in another field', async () => {
    const cut = form(boundary, [{ name: 'file', file: randomBytes(50_000) }], false);
    const truncated = await post('/one', contentType, cut.subarray(0, cut.length - 2), [20_000]);
    expect(truncated.status).toBe(400);
    expect(truncated.json).toMatchObject({ type: 'urn:vcq:problem:invalid_upload' });
    const wrong = await post('/one', contentType, form(boundary, [{ name: 'upload', file: randomBytes(50_000) }]));
    expect(wrong.status).toBe(400);
    expect(wrong.json).toMatchObject({ errors: [{ field: 'upload' }] });
    const two = await post('/one', contentType, form(boundary, [{ name: 'file', file: randomBytes(10) }, { name: 'file', file: randomBytes(10) }]));
    expect(two.status).toBe(400);
  });

  it('reads a quoted boundary among other parameters', async () => {
    const file = trickyFile('q b', 40_000);
    const body = form('q b', [{ name: 'file', file }]);
    const res = await post('/one', 'multipart/form-data; boundary="q b"; x="a\\"b"', body, [300, 20_000]);
    expect(res.status).toBe(200);
    expect(res.json.file).toMatchObject({ size: file.length, sha256: sha(file) });
  });
});

describe('upload door, a client that goes away', () => {
  it('drops an upload cut off part-way, and answers the next one', async () => {
    const boundary = 'gone-4ce7';
    const body = form(boundary, [{ name: 'file', file: randomBytes(200_000) }]);
    await new Promise<void>((resolve) => {
      const req = request(`${base}/one`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      // Gone once the server has had the chance to read what was flushed.
      req.write(body.subarray(0, 120_000), () => setImmediate(() => req.destroy()));
    });
    const file = randomBytes(1000);
    const res = await post('/one', `multipart/form-data; boundary=${boundary}`, form(boundary, [{ name: 'file', file }]));
    expect(res.status).toBe(200);
    expect(res.json.file).toMatchObject({ size: 1000, sha256: sha(file) });
  });
});
