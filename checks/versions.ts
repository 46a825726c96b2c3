// Optimistic locking as an invariant: a row's version (any numeric field) only goes up,
// and, with `everyWrite`, goes up with every write that changes the row. A lost update
// (two writers both writing version n+1 over n) or a write that skips the version check
// shows as a write that does not move it. Seen as rows commit, so it holds for every
// intermediate state, not only the last.
import type { WriteRecord } from '../runtime/sim/store.js';
import { ViolationLog, type Checker } from './types.js';

export function versionsIncrease(o: {
  name: string;
  description?: string;
  store: string;
  table: string;
  /** The numeric field (default "version"). */
  field?: string;
  /** Every write that changes the row must raise it (default true); false: it must only never fall. */
  everyWrite?: boolean;
  /** What one row is, for messages (default the table's name). */
  noun?: string;
}): Checker {
  const field = o.field ?? 'version';
  const every = o.everyWrite ?? true;
  const noun = o.noun ?? o.table;
  const log = new ViolationLog(o.name, o.description ?? `a ${noun}'s ${field} only goes up${every ? ', with every write' : ''}`);
  const valueOf = (row: unknown) => (row as Record<string, unknown>)[field];
  return {
    name: o.name,
    description: log.description,
    stores: [o.store],
    onCommit(store: string, writes: readonly WriteRecord[]) {
      if (store !== o.store) return;
      for (let i = 0; i < writes.length; i++) {
        const w = writes[i];
        if (w.table !== o.table || w.prev === undefined || w.next === undefined || w.prev === w.next) continue;
        const was = valueOf(w.prev);
        const now = valueOf(w.next);
        if (typeof was !== 'number' || typeof now !== 'number') {
          log.add(String(w.key), `${field} is not a number (${JSON.stringify(was)} -> ${JSON.stringify(now)})`);
        } else if (now < was) {
          log.add(String(w.key), `${field} went back from ${was} to ${now}`);
        } else if (every && now === was) {
          log.add(String(w.key), `written without its ${field} moving (still ${was}): an update that skipped the version check`);
        }
      }
    },
    check: () => log.result(),
  };
}
