import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger, isPretty } from '../src/index.js';

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

describe('LOG_FORMAT', () => {
  it('when the format is pretty, then lines are rendered for people, still redacted', () => {
    const { lines, destination } = capture();
    createLogger({ format: 'pretty', destination, name: 'vcq-api' }).info({ apiKey: 'sk-live-789', queue: 'emails' }, 'queue ready');
    const text = lines.join('');
    expect(text).toMatch(/INFO.*\[vcq-api\] queue ready/);
    expect(text).toContain('queue: "emails"');
    expect(text).not.toContain('sk-live-789');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('when the format is auto, then it is pretty on a terminal only', () => {
    expect(isPretty('auto', { isTTY: true })).toBe(true);
    expect(isPretty('auto', { isTTY: false })).toBe(false);
    expect(isPretty('auto', {})).toBe(false);
    expect(isPretty('json', { isTTY: true })).toBe(false);
    expect(isPretty('pretty', { isTTY: false })).toBe(true);
  });

  it('when a process logs to a pseudo-terminal, then its lines are pretty; to a pipe, JSON', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const program = `import { createLogger } from './packages/logger/src/index.ts'; createLogger({ name: 'probe' }).info('hello from the probe');`;
    const command = `${process.execPath} --import tsx --input-type=module -e "${program}"`;
    const run = (file: string, args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(file, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
    const inTerminal = await run('script', ['-q', '-e', '-c', command, '/dev/null']);
    const inPipe = await run('sh', ['-c', command]);

    expect(inTerminal).toMatch(/INFO.*\[probe\] hello from the probe/);
    expect(inTerminal).not.toContain('"level"');
    expect(JSON.parse(inPipe)).toMatchObject({ level: 30, service: 'probe', msg: 'hello from the probe' });
  });
});
