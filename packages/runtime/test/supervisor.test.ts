/**
 * The process supervisor with real child processes (a small fixture child): restarts
 * with a backoff, stop() draining with SIGTERM and SIGKILLing stragglers.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@vcq/logger';
import { restartDelay, type SupervisedChild, superviseProcesses, type SupervisorOptions } from '../src/supervisor.js';

const fixture = fileURLToPath(new URL('./fixtures/child.ts', import.meta.url));

type Line = Record<string, unknown> & { msg: string };

/** A supervisor of the fixture in `mode`, logging into `lines`. */
function supervise(mode: string, options: Partial<SupervisorOptions> = {}) {
  const lines: Line[] = [];
  const listeners = new Set<(line: Line) => void>();
  const logger = createLogger({
    level: 'debug',
    name: 'test-supervisor',
    destination: {
      write(text: string) {
        const line = JSON.parse(text) as Line;
        lines.push(line);
        for (const l of listeners) l(line);
      },
    },
  });
  const supervisor = superviseProcesses({
    modulePath: fixture,
    count: 1,
    execArgv: ['--import', 'tsx'],
    env: (index) => ({ FIXTURE_MODE: mode, FIXTURE_INDEX: String(index) }),
    logger,
    label: 'fixture',
    stopTimeoutMs: 5000,
    ...options,
  });
  /** The first log line (already written or later) that `match` accepts. */
  const line = (match: (l: Line) => boolean, timeoutMs = 15_000) =>
    new Promise<Line>((resolve, reject) => {
      const seen = lines.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no such log line; got:\n${lines.map((l) => l.msg).join('\n')}`)), timeoutMs);
      const listener = (l: Line) => {
        if (!match(l)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(l);
      };
      listeners.add(listener);
    });
  return { supervisor, lines, line };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('restartDelay', () => {
  it('when a child keeps exiting quickly, then the delay doubles from the initial one up to the cap', () => {
    const backoff = { initialMs: 1000, maxMs: 30_000, stableMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => restartDelay(n, backoff))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });
});

describe('superviseProcesses', () => {
  it('when two children run and one is SIGKILLed, then it is restarted in its slot, messages reach onMessage, and stop() ends both cleanly', async () => {
    const pongs: Array<{ from: SupervisedChild; message: unknown }> = [];
    const restarted: SupervisedChild[] = [];
    const { supervisor, line } = supervise('serve', {
      count: 2,
      backoff: { initialMs: 100 },
      onMessage: (from, message) => pongs.push({ from, message }),
      onRestart: (child) => restarted.push(child),
    });
    try {
      await supervisor.allReady;
      const [first, second] = supervisor.children() as [SupervisedChild, SupervisedChild];
      expect([first.index, second.index]).toEqual([0, 1]);
      expect(first.pid).not.toBe(second.pid);
      expect(first.ready && second.ready).toBe(true);
      first.send({ type: 'ping' });
      second.send({ type: 'ping' });
      await line((l) => l.msg.includes('ready') && l.process === 1);
      await expect.poll(() => pongs.length).toBe(2);
      expect(pongs.map((p) => (p.message as { pid: number }).pid).sort()).toEqual([first.pid, second.pid].sort());

      process.kill(first.pid, 'SIGKILL');
      const exit = await line((l) => l.pid === first.pid && l.signal === 'SIGKILL');
      expect(exit.msg).toMatch(/^fixture 0 \(pid \d+\) killed by SIGKILL after \d+ ms; restarting it in 100 ms$/);
      expect(exit.restartInMs).toBe(100);
      expect(typeof exit.restartAt).toBe('string');
      const back = await line((l) => l.process === 0 && l.restarted === true);
      expect(back.pid).not.toBe(first.pid);
      await line((l) => l.process === 0 && l.pid === back.pid && String(l.msg).endsWith('ready'));
      expect(restarted.map((c) => c.index)).toEqual([0]);
      expect(supervisor.restarts()).toBe(1);
      expect(supervisor.children().map((c) => c.pid)).toEqual([back.pid, second.pid]);

      const report = await supervisor.stop();
      expect(report.clean).toBe(true);
      expect(report.exits.map((e) => [e.index, e.code, e.killed])).toEqual([
        [0, 0, false],
        [1, 0, false],
      ]);
      expect(alive(back.pid as number) || alive(second.pid)).toBe(false);
    } finally {
      await supervisor.stop();
    }
  });

  it('when a child crashes at start every time, then each restart waits twice as long as the last, up to the cap', async () => {
    const { supervisor, lines, line } = supervise('crash-at-start', { backoff: { initialMs: 50, maxMs: 400, stableMs: 10_000 } });
    try {
      await line((l) => l.quickExits === 6, 30_000);
      const delays = lines.filter((l) => typeof l.restartInMs === 'number').map((l) => l.restartInMs);
      expect(delays.slice(0, 6)).toEqual([50, 100, 200, 400, 400, 400]);
      expect(lines.filter((l) => l.restartInMs !== undefined).every((l) => l.code === 1 && l.signal === null)).toBe(true);
    } finally {
      const report = await supervisor.stop();
      // Waiting out a restart delay, or a child that exits 1 by itself: never clean with a crashing child running.
      expect(report.exits.every((e) => !e.killed)).toBe(true);
    }
  });

  it('when a child ignores SIGTERM, then stop() SIGKILLs it after the stop timeout and reports the shutdown unclean', async () => {
    const { supervisor } = supervise('ignore-sigterm', { stopTimeoutMs: 500 });
    await supervisor.allReady;
    const [child] = supervisor.children() as [SupervisedChild];
    const started = performance.now();
    const report = await supervisor.stop();
    const tookMs = performance.now() - started;
    expect(report.clean).toBe(false);
    expect(report.exits).toEqual([{ index: 0, pid: child.pid, code: null, signal: 'SIGKILL', killed: true }]);
    expect(tookMs).toBeGreaterThanOrEqual(450);
    expect(tookMs).toBeLessThan(5000);
    expect(alive(child.pid)).toBe(false);
  });

  it('when the supervisor itself is SIGKILLed, then its child notices the closed IPC channel and exits instead of running on', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/supervisor.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    let childPid: number | undefined;
    try {
      const [line] = (await once(createInterface({ input: proc.stdout }), 'line')) as [string];
      childPid = (JSON.parse(line) as { childPid: number }).childPid;
      expect(alive(childPid)).toBe(true);
      proc.kill('SIGKILL');
      // No event tells another process's exit: check until it is gone.
      const deadline = Date.now() + 10_000;
      while (alive(childPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(alive(childPid)).toBe(false);
    } finally {
      proc.kill('SIGKILL');
      if (childPid !== undefined && alive(childPid)) process.kill(childPid, 'SIGKILL');
    }
  });
});
