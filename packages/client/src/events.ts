/** Server-Sent Events of a job (`GET /api/jobs/{id}/events`), read as an async iterator. */
import { VcqApiError } from './errors.js';
import type { components } from './generated/openapi.js';

export interface JobEvent {
  /** `status`, `progress`, or the outcome: `completed`, `failed`, `cancelled`. */
  event: string;
  data: components['schemas']['JobView'];
}

/** Parses a text/event-stream body into `{event, data}` pairs (comments and ids skipped). */
export async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = 'message';
        data = [];
      } else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      newline = buffer.indexOf('\n');
    }
  }
}

export async function* jobEvents(doFetch: typeof fetch, url: string, headers: Record<string, string>, signal?: AbortSignal): AsyncGenerator<JobEvent> {
  const res = await doFetch(url, { headers: { ...headers, accept: 'text/event-stream' }, ...(signal ? { signal } : {}) });
  if (!res.ok || !res.body) {
    const text = await res.text();
    let problem: Record<string, unknown> | undefined;
    try {
      problem = JSON.parse(text) as Record<string, unknown>;
    } catch {
      problem = undefined;
    }
    throw new VcqApiError(res.status, problem);
  }
  for await (const message of parseEventStream(res.body)) {
    yield { event: message.event, data: JSON.parse(message.data) as JobEvent['data'] };
  }
}
