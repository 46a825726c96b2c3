// Event sourcing's promise, checked from the store: each stream's events are numbered 1, 2, 3…
// with no gap and no number twice, and every snapshot holds exactly the state a full replay
// of its stream up to its version gives. The fold is the scenario's own (`apply`), the same
// one its behaviour uses; the checker never reads the behaviour's rebuilt state.
import type { Key } from '../runtime/contract.js';
import { ViolationLog, type Checker } from './types.js';

export interface SnapshotsMatchReplayOptions<S, E> {
  readonly name: string;
  readonly description?: string;
  readonly events: { readonly store: string; readonly table: string; streamOf(row: E, key: Key): string; versionOf(row: E): number };
  readonly snapshots: { readonly store: string; readonly table: string; streamOf(row: any, key: Key): string; versionOf(row: any): number; stateOf(row: any): S };
  initial(stream: string): S;
  apply(state: S, event: E): S;
  /** Equality of states (default: the same JSON). */
  equal?(a: S, b: S): boolean;
}

export function snapshotsMatchReplay<S, E>(o: SnapshotsMatchReplayOptions<S, E>): Checker {
  const description = o.description ?? 'every stream\'s events are numbered without gap or repeat, and every snapshot equals a full replay of its stream up to its version';
  const equal = o.equal ?? ((a: S, b: S) => JSON.stringify(a) === JSON.stringify(b));
  return {
    name: o.name,
    description,
    check(obs) {
      const log = new ViolationLog(o.name, description);
      const streams = new Map<string, E[]>();
      for (const [k, e] of obs.table<E>(o.events.store, o.events.table)) {
        const s = o.events.streamOf(e, k);
        let list = streams.get(s);
        if (list === undefined) streams.set(s, (list = []));
        list.push(e);
      }
      const snapshots = new Map<string, { version: number; state: S }[]>();
      for (const [k, row] of obs.table(o.snapshots.store, o.snapshots.table)) {
        const s = o.snapshots.streamOf(row, k);
        let list = snapshots.get(s);
        if (list === undefined) snapshots.set(s, (list = []));
        list.push({ version: o.snapshots.versionOf(row), state: o.snapshots.stateOf(row) });
      }
      for (const [stream, events] of streams) {
        events.sort((a, b) => o.events.versionOf(a) - o.events.versionOf(b));
        const gap = events.findIndex((e, i) => o.events.versionOf(e) !== i + 1);
        if (gap >= 0) {
          log.add(stream, `event ${gap + 1} of the stream is numbered ${o.events.versionOf(events[gap])} (a gap or a number twice)`);
          continue;
        }
        const wanted = (snapshots.get(stream) ?? []).sort((a, b) => a.version - b.version);
        let state = o.initial(stream);
        let next = 0;
        for (let v = 0; v <= events.length && next < wanted.length; v++) {
          if (v > 0) state = o.apply(state, events[v - 1]);
          while (next < wanted.length && wanted[next].version === v) {
            if (!equal(state, wanted[next].state)) log.add(stream, `the snapshot at version ${v} holds ${JSON.stringify(wanted[next].state)}, a full replay gives ${JSON.stringify(state)}`);
            next++;
          }
        }
        for (; next < wanted.length; next++) log.add(stream, `a snapshot at version ${wanted[next].version}, past the stream's last event (${events.length})`);
      }
      for (const stream of snapshots.keys()) if (!streams.has(stream)) log.add(stream, 'a snapshot of a stream that has no events');
      return log.result();
    },
  };
}
