/**
 * Child processes for tests: the API and worker as real processes, and throwaway
 * Redis servers the tests can stop, empty and restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A free TCP port on loopback (closed again before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface VcqProcess {
  child: ChildProcess;
  /** Every line the process printed so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the first line matching `pattern` (already printed or later). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  /** For test clean-up: SIGKILL if it is still running, then wait for it to exit. */
  stop(): Promise<void>;
}

/** Spawns `apps/<app>/src/main.ts` (TypeScript through tsx's loader) with `env` on top of this process's environment. */
export function spawnApp(app: 'api' | 'worker', env: Record<string, string>): VcqProcess {
  // One process (tsx as a loader, not its CLI, which would run the app in a child):
  // a signal sent to `child` reaches the app itself.
  return spawnNode(app, ['--import', 'tsx', `apps/${app}/src/main.ts`], { LOG_LEVEL: 'debug', ...env });
}

/** Runs `node <args>` from the repository root with `env` on top of this process's environment; `label` names it in errors. */
export function spawnNode(label: string, args: string[], env: Record<string, string>): VcqProcess {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const emit = (line: string) => {
    if (!line) return;
    lines.push(line);
    for (const l of listeners) l(line);
    if (process.env.VCQ_TEST_ECHO) process.stderr.write(`[${label}] ${line}\n`);
  };
  // A chunk may end inside a line (a supervisor and its children share one pipe): the
  // unfinished tail waits for the next chunk, so every entry is one whole line.
  const lineReader = () => {
    let rest = '';
    return {
      data(buffer: Buffer) {
        const parts = (rest + buffer.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) emit(line);
      },
      end() {
        emit(rest);
        rest = '';
      },
    };
  };
  for (const stream of [child.stdout, child.stderr]) {
    const reader = lineReader();
    stream?.on('data', reader.data);
    stream?.on('end', reader.end);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    waitForLine(pattern, timeoutMs = 30_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`${label}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`));
        }, timeoutMs);
        const listener = (line: string) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        void exited.then((code) => {
          if (!listeners.has(listener)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          reject(new Error(`${label} exited (${code}) before printing ${pattern}; last lines:\n${lines.slice(-15).join('\n')}`));
        });
      });
    },
  };
}

/**
 * Spawns an app and resolves once it has said it started ("worker started" / "api
 * listening"; with WORKER_PROCESSES above 1, once the supervisor says every worker process is up).
 */
export async function startApp(app: 'api' | 'worker', env: Record<string, string>): Promise<VcqProcess> {
  const proc = spawnApp(app, env);
  const supervised = Number(env.WORKER_PROCESSES ?? process.env.WORKER_PROCESSES ?? 1) > 1;
  try {
    await proc.waitForLine(app === 'api' ? /api listening/ : supervised ? /worker processes started/ : /worker started/);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return proc;
}

export interface RedisServer {
  port: number;
  url: string;
  /** The running server's pid (undefined once stopped). */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (nothing is kept on disk). */
  start(): Promise<void>;
}

export interface RedisServerOptions {
  /** `maxmemory`, e.g. `4mb` (default: no limit). */
  maxmemory?: string;
  /** `maxmemory-policy`, e.g. `noeviction` or `allkeys-lru` (Redis's default: noeviction). */
  maxmemoryPolicy?: string;
}

/** A private Redis on its own port, for tests that stop, empty or fill Redis. */
export async function startRedisServer(port?: number, options: RedisServerOptions = {}): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const memory = [
    ...(options.maxmemory ? ['--maxmemory', options.maxmemory] : []),
    ...(options.maxmemoryPolicy ? ['--maxmemory-policy', options.maxmemoryPolicy] : []),
  ];
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...memory], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child?.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        if (/Ready to accept connections/.test(out)) resolve();
      });
      child?.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
    });
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    start,
    stop,
  };
}

/**
 * Resolves when `check` returns a truthy value, re-checking every `intervalMs`.
 * For state that has no event to listen to (a row in Postgres changing).
 */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
