/**
 * DATABASE_MODE: what `auto` chooses, the settings' validation, and the probe of the
 * default port against a real listener and a closed port.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@vcq/config';
import { freePort } from '@vcq/testing';
import { answers, chooseDatabaseMode } from '../src/launcher.js';

let server: Server;
let listening: number;

beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listening = (server.address() as { port: number }).port;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('chooseDatabaseMode', () => {
  const yes = async () => true;
  const no = async () => false;

  it('auto: embedded only when DATABASE_URL is unset and nothing answers on the default port', async () => {
    expect(await chooseDatabaseMode('auto', undefined, no)).toEqual({
      mode: 'embedded',
      reason: 'DATABASE_MODE=auto, DATABASE_URL is unset and nothing answers on 127.0.0.1:5432',
    });
    expect((await chooseDatabaseMode('auto', undefined, yes)).mode).toBe('external');
    expect(await chooseDatabaseMode('auto', 'postgresql://db.example/vcq', no)).toEqual({ mode: 'external', reason: 'DATABASE_MODE=auto and DATABASE_URL is set' });
  });

  it('embedded and external are taken as given, whatever answers', async () => {
    expect((await chooseDatabaseMode('embedded', undefined, yes)).mode).toBe('embedded');
    expect((await chooseDatabaseMode('external', undefined, no)).mode).toBe('external');
  });

  it('the probe tells a listening port from a closed one', async () => {
    expect(await answers('127.0.0.1', listening)).toBe(true);
    expect(await answers('127.0.0.1', await freePort())).toBe(false);
  });
});

describe('database settings', () => {
  it('default to auto, ./.vcq and a port picked at the first start', () => {
    const config = loadConfig({});
    expect(config.DATABASE_MODE).toBe('auto');
    expect(config.VCQ_DATA_DIR).toBe('.vcq');
    expect(config.EMBEDDED_POSTGRES_PORT).toBeUndefined();
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/vcq');
  });

  it('refuses DATABASE_MODE=embedded together with DATABASE_URL, naming both', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_MODE: 'embedded', DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/vcq' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((p) => p.startsWith('DATABASE_MODE '));
    expect(problem).toMatch(/DATABASE_URL is set too/);
    expect(problem).toMatch(/DATABASE_MODE=external/);
    // An empty DATABASE_URL (FOO= in a compose file) counts as unset.
    expect(loadConfig({ DATABASE_MODE: 'embedded', DATABASE_URL: '' }).DATABASE_MODE).toBe('embedded');
  });

  it('names the bad values', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_MODE: 'sqlite', EMBEDDED_POSTGRES_PORT: '70000' });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems;
    expect(problems.find((p) => p.startsWith('DATABASE_MODE '))).toMatch(/must be auto, embedded or external/);
    expect(problems.find((p) => p.startsWith('EMBEDDED_POSTGRES_PORT '))).toMatch(/at most 65535/);
  });
});
