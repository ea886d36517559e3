// A PlanReader over a fixed list of office ids, for tests of the run loop's order and memory, where
// the SQL is not what is under test. Offices are paged by id like the real keyset read; each read
// makes fresh office objects, and there are no staff, cycles or subscriptions.
import type { Office } from '../../src/domain/types.ts';
import type { PlanReader } from '../../src/run/ports.ts';

export function officesOnlyReader(
  ids: readonly string[],
  /** Called with each office read (where it starts, what it returns) before it returns; may wait. */
  onRead?: (start: number, offices: Office[]) => void | Promise<void>,
): PlanReader {
  return {
    async officeChunk(afterId, limit) {
      const start = afterId === null ? 0 : ids.indexOf(afterId) + 1;
      const offices = ids.slice(start, start + limit).map((id) => ({ id, name: `office ${id}` }));
      await onRead?.(start, offices);
      return offices;
    },
    staffForOffices: async () => [],
    latestCycles: async () => [],
    pushSubscriptions: async () => [],
  };
}
