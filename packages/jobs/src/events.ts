/**
 * The engine's typed events: what happens to jobs and workers, as values a caller
 * (a test, an operator's hook) listens to, rather than text to match in the logs.
 * Listeners run synchronously where the engine emits; one that throws is reported
 * on `listener:error` and never changes a job's outcome.
 */
import { EventEmitter } from 'node:events';

export interface JobEventBase {
  queue: string;
  /** The BullMQ job name (the catalog entry's `name`). */
  name: string;
  id: string;
  attempt: number;
}

export interface EngineEventMap {
  /** A handler is about to run. */
  'job:started': [JobEventBase];
  /** The handler reported progress (0..100). */
  'job:progress': [JobEventBase & { progress: number }];
  /** The outcome is committed in Postgres. */
  'job:completed': [JobEventBase & { durationMs: number }];
  /** The attempt failed; `final` when no retry follows (its outcome is committed). */
  'job:failed': [JobEventBase & { error: { code: string; message: string }; final: boolean; durationMs?: number }];
  /** BullMQ found the job's lock expired (its worker died or blocked): it runs again. */
  'job:stalled': [{ queue: string; id: string }];
  /** A queue's worker is connected and taking jobs. */
  'worker:ready': [{ queue: string }];
  /** A queue's worker has stopped. */
  'worker:closed': [{ queue: string }];
  /** A listener threw; the engine went on. */
  'listener:error': [{ event: string; error: unknown }];
}

export type EngineEventName = Exclude<keyof EngineEventMap, 'listener:error'>;

export class EngineEvents extends EventEmitter<EngineEventMap> {
  /** Emits without letting a listener's error reach the engine. */
  safeEmit<K extends EngineEventName>(event: K, ...args: EngineEventMap[K]): void {
    if (this.listenerCount(event) === 0) return;
    try {
      (this.emit as (e: K, ...a: EngineEventMap[K]) => boolean)(event, ...args);
    } catch (error) {
      if (this.listenerCount('listener:error') > 0) this.emit('listener:error', { event, error });
    }
  }

  /** Resolves with the first `event` whose payload `match`es, or rejects after `timeoutMs`. */
  next<K extends keyof EngineEventMap>(event: K, match: (...args: EngineEventMap[K]) => boolean = () => true, timeoutMs = 30_000): Promise<EngineEventMap[K][0]> {
    return new Promise((resolve, reject) => {
      const listener = (...args: EngineEventMap[K]) => {
        if (!match(...args)) return;
        clearTimeout(timer);
        this.off(event, listener as never);
        resolve(args[0]);
      };
      const timer = setTimeout(() => {
        this.off(event, listener as never);
        reject(new Error(`no ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on(event, listener as never);
    });
  }
}
