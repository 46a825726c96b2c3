// seeds/003's event store on the kit: commands to an event-sourced account service, which
// rebuilds each account from its latest snapshot plus the events after it, appends the new
// event under the next version and snapshots every N events. Checked: every snapshot equals
// a full replay of its stream, the streams have no gap, no account is ever overdrawn, one
// event per command. Measured: what a rebuild replays, with and without snapshots.
import { defineScenario } from '../../harness/scenario.js';
import { loadGenerator } from '../../actors/load-generator.js';
import { loadBalancer } from '../../actors/load-balancer.js';
import { snapshotsMatchReplay } from '../../checks/event-sourcing.js';
import { ViolationLog, type Checker } from '../../checks/types.js';
import { ledgerParamsShape, type LedgerParams } from './params.js';
import { INITIAL, accountService, applyEvent, type AccountEvent, type AccountState, type Command, type SnapshotRow } from './accounts.js';
import { LEDGER_CLAIMS } from './claims.js';

const SERVICE = 'accounts';
const instances = (p: { instances: number }) => Array.from({ length: p.instances }, (_, i) => `${SERVICE}-${i}`);

/** Replayed in full, no account's balance goes below zero after any event. */
const noOverdraft: Checker = {
  name: 'no-overdraft',
  description: 'replayed in full, no account\'s balance is ever below zero',
  check(o) {
    const log = new ViolationLog('no-overdraft', 'replayed in full, no account\'s balance is ever below zero');
    const byAccount = new Map<string, AccountEvent[]>();
    for (const e of o.table<AccountEvent>(SERVICE, 'events').values()) {
      let list = byAccount.get(e.account);
      if (list === undefined) byAccount.set(e.account, (list = []));
      list.push(e);
    }
    for (const [account, events] of byAccount) {
      let state = INITIAL;
      for (const e of events.sort((a, b) => a.version - b.version)) {
        state = applyEvent(state, e);
        if (state.balance < 0) {
          log.add(e.command, `${account} at ${state.balance} after event ${e.version} (${e.kind} ${e.amount})`);
          break;
        }
      }
    }
    return log.result();
  },
};

export default defineScenario({
  name: 'ledger',
  description: 'clients -> load balancer -> event-sourced account service instances (one event store: events under versions, snapshots every N, rebuild from snapshot + tail) (seeds/003)',
  params: ledgerParamsShape,
  // Every command rebuilds its account (0.5 ms an event replayed): 2 a second keep the service half busy with snapshots every 1,000 (a rebuild replays 500 events on average).
  load: { count: 4_000, ratePerSec: 2, clientTimeoutMs: 30_000 },
  topology: (p) => ({
    topics: [],
    actors: [
      {
        name: 'clients',
        behaviour: loadGenerator<Command>({
          target: 'lb', load: p, keyPrefix: 'cmd', responseType: 'command-result', created: (s) => s === 'applied',
          request: (_n, key, replyTo, _at, ctx) => ({
            type: 'command', key, account: `acct-${Math.floor(ctx.random() * p.accounts)}`,
            op: ctx.random() < p.withdrawShare ? 'withdraw' : 'deposit', amount: 1 + Math.floor(ctx.random() * 100), replyTo,
          }),
        }),
      },
      { name: 'lb', behaviour: loadBalancer({ targets: instances(p) }) },
      // One event store (the store 'accounts') shared by every instance.
      ...instances(p).map((name) => ({ name, behaviour: accountService(p as LedgerParams), store: SERVICE, serviceTime: 0.2 })),
    ],
  }),
  entities: [{
    name: 'event', store: SERVICE, table: 'events', status: 'kind',
    initial: ['Deposited', 'Withdrawn'], transitions: {}, terminal: { Deposited: 'served', Withdrawn: 'served' }, requestKey: 'command',
    names: { onePerRequest: 'one-event-per-command' },
  }],
  invariants: () => [
    snapshotsMatchReplay<AccountState, AccountEvent>({
      name: 'snapshot-equals-replay',
      events: { store: SERVICE, table: 'events', streamOf: (e) => e.account, versionOf: (e) => e.version },
      snapshots: { store: SERVICE, table: 'snapshots', streamOf: (r: SnapshotRow) => r.account, versionOf: (r: SnapshotRow) => r.version, stateOf: (r: SnapshotRow) => r.state },
      initial: () => INITIAL,
      apply: applyEvent,
    }),
    noOverdraft,
  ],
  outcomes: (o) => ({ snapshots: o.table(SERVICE, 'snapshots').size }),
  metrics: {
    unit: 'command',
    // A command is done when decided: applied (an event) or refused (it would overdraw).
    completed: 'accounts.decided',
    headline: 'response',
    slo: 'response.p99<10000',
    latencies: ['replay'],
    counters: ['accounts.events', 'accounts.refused', 'accounts.conflicts'],
  },
  claims: LEDGER_CLAIMS,
  variants: {
    'snapshot-before-apply': 'a snapshot holds the state before the event it is numbered by: a rebuild from it misses that event',
    'replay-skips-tail': 'a rebuild takes the latest snapshot and ignores the events after it: withdrawals are judged against a stale balance',
    'no-version-check': 'an event is written under its version without checking the version is free: two instances that rebuilt the same account append over each other, and an applied command\'s event is lost',
  },
  check: {
    // A short load on two accounts, a snapshot every 5 events: rebuilds from snapshots all through a run.
    params: { count: 80, ratePerSec: 40, accounts: 2, snapshotEvery: 5, clientTimeoutMs: 1_000 },
  },
});
