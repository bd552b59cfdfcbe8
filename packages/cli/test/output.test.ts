import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { VcqApiError } from '@vcq/client';
import { Exit, exitForError, Output, UsageError } from '../src/index.js';

function io(tty: boolean) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: tty, columns: 60 });
  const text = { out: '', err: '' };
  stdout.on('data', (c) => {
    text.out += c;
  });
  stderr.on('data', (c) => {
    text.err += c;
  });
  return { io: { stdout, stderr, env: {} }, text };
}

describe('Output', () => {
  it('when stderr is a terminal, then a bar is redrawn in place and ended by the next line', () => {
    const { io: streams, text } = io(true);
    const out = new Output(streams, false);
    out.bar('upload', 0.5, '1 B / 2 B');
    out.bar('upload', 0.5, '1 B / 2 B');
    out.line('done');
    expect(text.err).toBe(`\rupload  [${'#'.repeat(15)}${'-'.repeat(14)}]  50%  1 B / 2 B\x1b[K\n`);
    expect(text.out).toBe('done\n');
  });

  it('when stderr is not a terminal, then no bar is drawn; --json prints only the JSON document on stdout', () => {
    const { io: streams, text } = io(false);
    const out = new Output(streams, true);
    out.bar('job', 1, 'completed');
    out.line('for people');
    out.data({ ok: true });
    expect(text.err).toBe('');
    expect(JSON.parse(text.out)).toEqual({ ok: true });
  });
});

describe('exitForError', () => {
  it('when an answer or a failure comes back, then its exit code says what happened', () => {
    expect(exitForError(new UsageError('x'))).toBe(Exit.USAGE);
    expect(exitForError(new VcqApiError(400, undefined))).toBe(Exit.USAGE);
    expect(exitForError(new VcqApiError(401, undefined))).toBe(Exit.AUTH);
    expect(exitForError(new VcqApiError(403, undefined))).toBe(Exit.AUTH);
    expect(exitForError(new VcqApiError(404, undefined))).toBe(Exit.NOT_FOUND);
    expect(exitForError(new VcqApiError(422, undefined))).toBe(Exit.FAILED);
    expect(exitForError(new VcqApiError(429, undefined))).toBe(Exit.UNAVAILABLE);
    expect(exitForError(new VcqApiError(503, undefined))).toBe(Exit.UNAVAILABLE);
    expect(exitForError(new TypeError('fetch failed'))).toBe(Exit.UNAVAILABLE);
  });
});
