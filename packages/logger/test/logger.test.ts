import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('when a request with credentials is logged, then the API key and authorization are redacted', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.child({ requestId: 'r1' }).info({ req: { headers: { 'x-api-key': 'sk-live-123', authorization: 'Bearer sk-live-456', accept: '*/*' } } }, 'request');
    const line = lines.join('');
    expect(line).not.toContain('sk-live-123');
    expect(line).not.toContain('sk-live-456');
    expect(line).toContain('[redacted]');
    expect(JSON.parse(line)).toMatchObject({ requestId: 'r1', req: { headers: { accept: '*/*' } } });
  });

  it('when an object carries a private key or secret, then the values are redacted', () => {
    const { lines, destination } = capture();
    createLogger({ destination }).info({ key: { privateKey: '0xdeadbeef' }, webhook: { secret: 'whsec' } }, 'x');
    expect(lines.join('')).not.toMatch(/deadbeef|whsec/);
  });
});
