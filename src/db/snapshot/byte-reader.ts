// Cuts one stream of chunks into consecutive sections of known byte lengths (one per table),
// without copying or buffering more than the chunk at hand.

export interface ByteReader {
  /** Yields exactly `length` bytes; throws `onShort()` if the stream ends first. */
  take(length: number): AsyncGenerator<Uint8Array>;
  /** True when the stream has no bytes left. */
  atEnd(): Promise<boolean>;
}

export function createByteReader(source: AsyncIterable<Uint8Array>, onShort: () => Error): ByteReader {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Uint8Array | null = null;

  async function next(): Promise<Uint8Array | null> {
    if (pending && pending.length > 0) {
      const chunk = pending;
      pending = null;
      return chunk;
    }
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) return null;
      if (value.length > 0) return value;
    }
  }

  return {
    async *take(length) {
      let remaining = length;
      while (remaining > 0) {
        const chunk = await next();
        if (!chunk) throw onShort();
        if (chunk.length <= remaining) {
          remaining -= chunk.length;
          yield chunk;
        } else {
          pending = chunk.subarray(remaining);
          yield chunk.subarray(0, remaining);
          remaining = 0;
        }
      }
    },
    async atEnd() {
      const chunk = await next();
      if (!chunk) return true;
      pending = chunk;
      return false;
    },
  };
}
