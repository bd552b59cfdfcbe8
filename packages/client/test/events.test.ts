import { describe, expect, it } from 'vitest';
import { parseEventStream } from '../src/index.js';

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

describe('parseEventStream', () => {
  it('when events arrive split across chunks with comments between, then each is read whole and in order', async () => {
    const events = [];
    for await (const e of parseEventStream(streamOf('id: 1\nevent: sta', 'tus\ndata: {"a":1}\n\n: keep-alive\n\n', 'event: completed\r\ndata: {"a":\r\ndata: 2}\r\n\r\n'))) events.push(e);
    expect(events).toEqual([
      { event: 'status', data: '{"a":1}' },
      { event: 'completed', data: '{"a":\n2}' },
    ]);
  });
});
