/**
 * Several copies of one service on one box: a supervisor forks `count` child
 * processes of the same module, restarts one that exits on its own (with a backoff,
 * so a child that crashes at start does not spin), and on stop() hands every child
 * SIGTERM, waits for their own bounded shutdown, and SIGKILLs what is left.
 *
 * The children are plain `child_process.fork`s with an IPC channel: a child says it
 * is ready with `reportReady()`; any other message goes to `onMessage`. A child whose
 * supervisor disappears (the IPC channel closes) shuts itself down (`exitWithSupervisor`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Logger } from '@vcq/logger';

/** The message a child sends once its service has started. */
const READY = 'vcq:process-ready';

export interface RestartBackoff {
  /** Delay before the first restart of a child (default 1000 ms). */
  initialMs: number;
  /** The longest delay, however often a child crashes (default 30 s). */
  maxMs: number;
  /** A child that ran this long before exiting is restarted after initialMs again (default 10 s). */
  stableMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { initialMs: 1000, maxMs: 30_000, stableMs: 10_000 };

/**
 * The delay before restarting a child that exited `quickExits` times in a row
 * without running for `stableMs` (1 for the first exit): initialMs, doubled for each
 * further quick exit, capped at maxMs.
 */
export function restartDelay(quickExits: number, backoff: RestartBackoff = DEFAULT_RESTART_BACKOFF): number {
  const doublings = Math.max(0, Math.min(quickExits - 1, 30));
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** doublings);
}

/** One running child as the supervisor's callers see it. */
export interface SupervisedChild {
  /** Its slot, 0..count-1; a restarted child keeps the slot of the one it replaces. */
  readonly index: number;
  readonly pid: number;
  /** True once it has called reportReady(). */
  readonly ready: boolean;
  /** Sends `message` over IPC; false when the channel is gone. */
  send(message: unknown): boolean;
}

export interface SupervisorOptions {
  /** The module each child runs (forked with this process's execArgv, so loaders carry over). */
  modulePath: string;
  count: number;
  /** Node flags of the children; default this process's execArgv (its loaders, e.g. `--import tsx`). */
  execArgv?: string[];
  /** Environment of child `index` on top of this process's. */
  env?: (index: number) => Record<string, string>;
  logger: Logger;
  /** What each child names itself in log lines ("worker process"). */
  label?: string;
  /**
   * How long stop() waits for the children before SIGKILLing those still running:
   * their own shutdown bound (SHUTDOWN_TIMEOUT_MS plus its grace) and a margin.
   */
  stopTimeoutMs: number;
  backoff?: Partial<RestartBackoff>;
  /** Every IPC message from a child other than the ready message. */
  onMessage?: (child: SupervisedChild, message: unknown) => void;
  /** Told each time a child is started again after exiting. */
  onRestart?: (child: SupervisedChild) => void;
}

export interface StopReport {
  /** True when every child running at stop() exited with code 0 by itself. */
  clean: boolean;
  exits: Array<{ index: number; pid: number; code: number | null; signal: NodeJS.Signals | null; killed: boolean }>;
}

export interface Supervisor {
  /** The children running now (a slot waiting out its restart delay has none). */
  children(): SupervisedChild[];
  /** Resolves once every slot's first child has reported ready (or stop() was called). */
  allReady: Promise<void>;
  /** How many times a child was started again after exiting. */
  restarts(): number;
  /** SIGTERM to every child, SIGKILL after stopTimeoutMs to those left; no more restarts. */
  stop(): Promise<StopReport>;
}

interface Slot {
  index: number;
  child?: ChildProcess;
  view?: SupervisedChild;
  ready: boolean;
  everReady: boolean;
  quickExits: number;
  restartTimer?: NodeJS.Timeout;
}

/** Forks `count` children of `modulePath` and keeps them running until stop(). */
export function superviseProcesses(options: SupervisorOptions): Supervisor {
  const backoff: RestartBackoff = { ...DEFAULT_RESTART_BACKOFF, ...options.backoff };
  const label = options.label ?? 'child process';
  const log = options.logger;
  const slots: Slot[] = Array.from({ length: options.count }, (_, index) => ({ index, ready: false, everReady: false, quickExits: 0 }));
  let stopping = false;
  let restarts = 0;
  let markAllReady: () => void = () => {};
  const allReady = new Promise<void>((resolve) => {
    markAllReady = resolve;
  });
  const exitWaiters = new Map<ChildProcess, Promise<{ code: number | null; signal: NodeJS.Signals | null }>>();

  const start = (slot: Slot, restarted: boolean) => {
    const startedAt = Date.now();
    const child = fork(options.modulePath, [], {
      env: { ...process.env, ...(options.env?.(slot.index) ?? {}) },
      execArgv: options.execArgv ?? process.execArgv,
      // Output goes straight to this process's stdout/stderr: one log stream for the box.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const pid = child.pid ?? -1;
    slot.child = child;
    slot.ready = false;
    const view: SupervisedChild = {
      index: slot.index,
      pid,
      get ready() {
        return slot.child === child && slot.ready;
      },
      send: (message) => {
        if (!child.connected) return false;
        try {
          return child.send(message as never, (error) => {
            if (error) log.debug({ process: slot.index, pid, err: error.message }, `could not send to ${label}`);
          });
        } catch {
          return false;
        }
      },
    };
    slot.view = view;
    log.info({ process: slot.index, pid, restarted }, `${label} ${slot.index} started (pid ${pid})`);
    if (restarted) options.onRestart?.(view);

    child.on('message', (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === READY) {
        if (slot.child !== child) return;
        slot.ready = true;
        slot.everReady = true;
        log.info({ process: slot.index, pid, startMs: Date.now() - startedAt }, `${label} ${slot.index} ready`);
        if (slots.every((s) => s.everReady)) markAllReady();
        return;
      }
      options.onMessage?.(view, message);
    });
    // A child that cannot be spawned at all also gets an 'exit' (or never had a pid).
    child.on('error', (error) => log.error({ process: slot.index, pid, err: error.message }, `${label} ${slot.index} error`));
    exitWaiters.set(
      child,
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          exitWaiters.delete(child);
          if (slot.child === child) {
            slot.child = undefined;
            slot.view = undefined;
            slot.ready = false;
          }
          resolve({ code, signal });
          if (stopping) return;
          const uptimeMs = Date.now() - startedAt;
          slot.quickExits = uptimeMs < backoff.stableMs ? slot.quickExits + 1 : 1;
          const delayMs = restartDelay(slot.quickExits, backoff);
          const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
          log.error(
            { process: slot.index, pid, code, signal, uptimeMs, restartInMs: delayMs, restartAt: new Date(Date.now() + delayMs).toISOString(), quickExits: slot.quickExits },
            `${label} ${slot.index} (pid ${pid}) ${why} after ${uptimeMs} ms; restarting it in ${delayMs} ms`,
          );
          slot.restartTimer = setTimeout(() => {
            slot.restartTimer = undefined;
            if (stopping) return;
            restarts++;
            start(slot, true);
          }, delayMs);
        });
      }),
    );
  };

  for (const slot of slots) start(slot, false);

  let stopped: Promise<StopReport> | undefined;
  return {
    children: () => slots.flatMap((s) => (s.view ? [s.view] : [])),
    allReady,
    restarts: () => restarts,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        markAllReady();
        for (const slot of slots) {
          clearTimeout(slot.restartTimer);
          slot.restartTimer = undefined;
        }
        const running = slots.flatMap((s) => (s.child ? [{ index: s.index, child: s.child }] : []));
        log.info({ processes: running.map((r) => r.child.pid), timeoutMs: options.stopTimeoutMs }, `stopping ${running.length} ${label}(es): SIGTERM to each`);
        for (const { child } of running) child.kill('SIGTERM');
        const killed = new Set<ChildProcess>();
        const deadline = setTimeout(() => {
          for (const { index, child } of running) {
            if (child.exitCode !== null || child.signalCode !== null) continue;
            log.error({ process: index, pid: child.pid, timeoutMs: options.stopTimeoutMs }, `${label} ${index} (pid ${child.pid}) still running ${options.stopTimeoutMs} ms after SIGTERM; SIGKILL`);
            killed.add(child);
            child.kill('SIGKILL');
          }
        }, options.stopTimeoutMs);
        const exits = await Promise.all(
          running.map(async ({ index, child }) => {
            const waiter = exitWaiters.get(child);
            const { code, signal } = waiter ? await waiter : { code: child.exitCode, signal: child.signalCode };
            return { index, pid: child.pid ?? -1, code, signal, killed: killed.has(child) };
          }),
        );
        clearTimeout(deadline);
        const clean = exits.every((e) => e.code === 0 && !e.killed);
        log.info({ exits, clean }, `every ${label} has exited`);
        return { clean, exits };
      })();
      return stopped;
    },
  };
}

/** In a supervised child: tells the supervisor this process's service has started. */
export function reportReady(): void {
  process.send?.({ type: READY });
}

/**
 * In a supervised child: when the supervisor's IPC channel closes (it exited or was
 * killed), this process shuts down as on SIGTERM rather than running on unsupervised.
 */
export function exitWithSupervisor(): void {
  if (!process.send) return;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
