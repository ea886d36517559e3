// planChunks' read-ahead: how many chunks are read before the consumer asks for them.
// A fake reader is enough here: the order of calls is the rule under test, not the SQL.
import { describe, expect, it } from 'vitest';
import { planChunks } from '../../src/run/plan.ts';
import { officesOnlyReader } from '../helpers/fake-plan-reader.ts';

const recordingReader = (events: string[]) =>
  officesOnlyReader(['a', 'b', 'c', 'd', 'e'], (_, chunk) => {
    events.push(`read ${chunk.map((o) => o.id).join('') || '-'}`);
  });

async function consume(readAhead: number | undefined): Promise<string[]> {
  const events: string[] = [];
  for await (const chunk of planChunks(recordingReader(events), {
    runDate: '2026-12-01',
    chunkSize: 2,
    grouping: 'digest',
    push: false,
    ...(readAhead === undefined ? {} : { readAhead }),
  })) {
    events.push(`use ${chunk.offices.map((o) => o.id).join('')}`);
  }
  return events;
}

describe('planChunks', () => {
  it('reads one chunk ahead by default: the next chunk is read before this one is used', async () => {
    expect(await consume(undefined)).toEqual(['read ab', 'read cd', 'use ab', 'read e', 'use cd', 'use e']);
  });

  it('with readAhead 0 reads a chunk only after the previous one was used', async () => {
    expect(await consume(0)).toEqual(['read ab', 'use ab', 'read cd', 'use cd', 'read e', 'use e']);
  });
});
