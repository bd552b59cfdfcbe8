import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, MAX_WORKER_PROCESSES } from '../src/index.js';

/** The problem lines a ConfigError carries for `env` (fails when the environment loads). */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('WORKER_PROCESSES', () => {
  it('when it is unset, then the worker runs one process per available core (at most 64)', () => {
    expect(loadConfig({}).WORKER_PROCESSES).toBe(Math.min(availableParallelism(), MAX_WORKER_PROCESSES));
  });

  it('when it is a whole number from 1 to 64, then it is read; 1 keeps the single-process worker', () => {
    expect(loadConfig({ WORKER_PROCESSES: '1' }).WORKER_PROCESSES).toBe(1);
    expect(loadConfig({ WORKER_PROCESSES: ' 4 ' }).WORKER_PROCESSES).toBe(4);
    expect(loadConfig({ WORKER_PROCESSES: '64' }).WORKER_PROCESSES).toBe(64);
  });

  it('when it is out of range or not a whole number, then start-up is refused naming the variable, the rule and the value', () => {
    expect(problems({ WORKER_PROCESSES: '0' })).toEqual(['WORKER_PROCESSES must be at least 1 (got "0")']);
    expect(problems({ WORKER_PROCESSES: '65' })).toEqual(['WORKER_PROCESSES must be at most 64 (got "65")']);
    expect(problems({ WORKER_PROCESSES: '1.5' })).toEqual(['WORKER_PROCESSES must be a whole number (got "1.5")']);
    expect(problems({ WORKER_PROCESSES: 'all' })).toEqual(['WORKER_PROCESSES must be a number (got "all")']);
  });
});
