/**
 * A group of throwaway `redis-server` processes (cluster nodes, a master with its
 * replica, Sentinels) sharing one temporary directory: each started on a free port
 * and awaited until it accepts connections, killed one by one or all together.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './processes.js';

const run = promisify(execFile);

/** `redis-cli -p <port> <args>`: its standard output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 })).stdout;
}

export class RedisGroup {
  private readonly children = new Map<number, ChildProcess>();

  private constructor(readonly dir: string) {}

  static async create(name: string): Promise<RedisGroup> {
    return new RedisGroup(await mkdtemp(join(tmpdir(), `vcq-${name}-`)));
  }

  /**
   * Starts `redis-server <args(port)>` on a free port and resolves with it once the
   * server (or Sentinel) is ready; a port someone took between the pick and the bind is
   * given up for another. `prepare` runs before the start (a config file to write).
   */
  async start(args: (port: number) => string[], options: { maxPort?: number; prepare?: (port: number) => Promise<void> } = {}): Promise<number> {
    for (let tries = 1; ; tries++) {
      const port = await freePort();
      if (this.children.has(port) || port > (options.maxPort ?? 65_535)) continue;
      await options.prepare?.(port);
      const child = spawn('redis-server', args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.set(port, child);
      try {
        await new Promise<void>((resolve, reject) => {
          let out = '';
          child.stdout?.on('data', (b: Buffer) => {
            out += b.toString();
            if (/Ready to accept connections|Sentinel ID is/.test(out)) resolve();
            // Only the start-up lines are of interest.
            if (out.length > 20_000) out = out.slice(-5000);
          });
          child.once('exit', (code) => reject(new Error(`redis-server on ${port} exited (${code}): ${out.slice(-500)}`)));
        });
        return port;
      } catch (error) {
        this.children.delete(port);
        if (tries >= 10) throw error;
      }
    }
  }

  alive(port: number): boolean {
    const child = this.children.get(port);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** SIGKILLs the server on `port` and waits for its exit. */
  async kill(port: number): Promise<void> {
    if (!this.children.has(port)) throw new Error(`no redis-server on port ${port}`);
    if (!this.alive(port)) return;
    const child = this.children.get(port) as ChildProcess;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills every server and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all([...this.children.keys()].map((port) => this.kill(port)));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * For a failover test's "mid-load": submits concurrent waves of `size` jobs until some
 * are still open (a fast worker keeps up with one submission at a time), at most
 * `waves` of them; returns how many are open after the last wave.
 */
export async function submitUntilSomeOpen(submit: (i: number) => Promise<unknown>, openCount: () => Promise<number>, options: { size?: number; waves?: number } = {}): Promise<number> {
  const size = options.size ?? 40;
  let open = 0;
  for (let wave = 0; wave < (options.waves ?? 10) && open === 0; wave++) {
    await Promise.all(Array.from({ length: size }, (_, k) => submit(wave * size + k)));
    open = await openCount();
  }
  return open;
}
