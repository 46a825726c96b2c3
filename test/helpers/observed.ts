// Checkers fed directly: stores written and committed by hand, every commit shown to the
// checkers as a runtime would, and an Observation over the stores as the run left them.
import { SimStore } from '../../runtime/sim/store.js';
import type { Checker, InvariantResult, Observation } from '../../checks/types.js';
import type { KafkaRecord, LoadView } from '../../runtime/contract.js';
import type { EntityWatch } from '../../checks/entity.js';

export function observed(checkers: Checker[], opts: { entities?: EntityWatch[]; records?: Record<string, KafkaRecord[]>; load?: LoadView } = {}) {
  const stores = new Map<string, SimStore>();
  const store = (name: string) => {
    let s = stores.get(name);
    if (s === undefined) stores.set(name, (s = new SimStore(name)));
    return s;
  };
  let t = 0;
  /** Commits what was written to `name` as one transaction, as the runtime would. */
  const commit = (name: string) => {
    const writes = store(name).commit();
    t++;
    for (const e of opts.entities ?? []) e.onCommit(name, writes);
    for (const c of checkers) c.onCommit?.(name, writes, t);
  };
  const obs: Observation = {
    table: (s, tbl) => store(s).table(tbl) as never,
    records: (topic) => opts.records?.[topic] ?? [],
    load: opts.load,
    counter: () => 0,
  };
  const check = (): InvariantResult[] => checkers.map((c) => c.check(obs));
  return { store, commit, check, obs };
}

/** A load generator's account for requests `<prefix>-1` … `<prefix>-n`, all answered as created unless listed. */
export function loadOf(n: number, notCreated: number[] = [], prefix = 'req'): LoadView {
  return {
    planned: n, offered: n, outstanding: 0, plannedMs: 0, metric: 'response', waiting: () => [],
    keyOf: (i) => `${prefix}-${i}`,
    numberOf: (k) => (k.startsWith(`${prefix}-`) ? Number(k.slice(prefix.length + 1)) : -1),
    created: (i) => !notCreated.includes(i),
    logicalKeyOf: (k) => k.split('~')[0],
    answers: { ok: n }, gaveUp: 0,
  };
}
