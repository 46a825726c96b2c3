// The account service, event-sourced (seeds/003): a command rebuilds its account's state
// from the latest snapshot and the events after it, decides, and appends the new event
// under the next version (a unique key: two writers cannot both take it), with a snapshot
// every `snapshotEvery` events, all in one transaction. The fold (`applyEvent`) is shared
// with the checker, which replays every stream in full and compares.
import type { Behaviour, Context, RuntimeMessage } from '../../runtime/contract.js';
import type { LedgerParams } from './params.js';

export type Command = { type: 'command'; key: string; account: string; op: 'deposit' | 'withdraw'; amount: number; replyTo: number };
export type CommandResult = { type: 'command-result'; key: string; status: 'applied' | 'refused' };

export interface AccountEvent { readonly account: string; readonly version: number; readonly kind: 'Deposited' | 'Withdrawn'; readonly amount: number; readonly command: string }
export interface AccountState { readonly balance: number; readonly deposits: number; readonly withdrawals: number }
export interface SnapshotRow { readonly account: string; readonly version: number; readonly state: AccountState }
interface HeadRow { readonly version: number; readonly snapshot: number }
interface CommandRow { readonly account: string; readonly status: 'applied' | 'refused' }

export const INITIAL: AccountState = { balance: 0, deposits: 0, withdrawals: 0 };

export function applyEvent(s: AccountState, e: AccountEvent): AccountState {
  return e.kind === 'Deposited'
    ? { balance: s.balance + e.amount, deposits: s.deposits + 1, withdrawals: s.withdrawals }
    : { balance: s.balance - e.amount, deposits: s.deposits, withdrawals: s.withdrawals + 1 };
}

export const eventKey = (account: string, version: number) => `${account}#${version}`;

/** Commands waiting for this instance, the first one in its rebuild (volatile: a restart loses them, the callers retry). */
interface Queue {
  readonly waiting: Command[];
  /** The first command's account as rebuilt when its replay began. */
  rebuilt: { state: AccountState; version: number } | undefined;
  /** Events replayed so far (rebuild adds to it). */
  replayed: number;
}
type Replayed = { type: 'replayed' };

export function accountService(p: LedgerParams): Behaviour<Queue, Command | Replayed | RuntimeMessage> {
  const snapshotBeforeApply = p.variant === 'snapshot-before-apply';
  const skipTail = p.variant === 'replay-skips-tail';
  const noVersionCheck = p.variant === 'no-version-check';

  /** The account's state now: its latest snapshot, then every event after it. */
  const rebuild = (ctx: Context, account: string, q: Queue): { state: AccountState; version: number } => {
    const head = ctx.store.get<HeadRow>('heads', account) ?? { version: 0, snapshot: 0 };
    let state = head.snapshot > 0 ? ctx.store.get<SnapshotRow>('snapshots', eventKey(account, head.snapshot))!.state : INITIAL;
    let replayed = 0;
    // The bug: the events after the snapshot are not replayed (the state is the snapshot's).
    const until = skipTail && head.snapshot > 0 ? head.snapshot : head.version;
    for (let v = head.snapshot + 1; v <= until; v++) {
      state = applyEvent(state, ctx.store.get<AccountEvent>('events', eventKey(account, v))!);
      replayed++;
    }
    q.replayed += replayed;
    ctx.record('eventsReplayed', replayed);
    ctx.observe('replay', replayed * p.eventReplayMs);
    return { state, version: head.version };
  };

  /** Decides a command on the state rebuilt when its replay began, appends its event under the next version (and a snapshot), answers. */
  const decide = (ctx: Context, q: Queue, m: Command, rebuilt: { state: AccountState; version: number }): 'done' | 'conflict' => {
    // A command decided meanwhile (a client's retry, handled by another instance) gets the answer it got.
    const seen = ctx.store.get<CommandRow>('commands', m.key);
    if (seen !== undefined) {
      ctx.send(m.replyTo, { type: 'command-result', key: m.key, status: seen.status } satisfies CommandResult);
      return 'done';
    }
    const { state, version } = rebuilt;
    if (m.op === 'withdraw' && state.balance < m.amount) {
      ctx.store.put<CommandRow>('commands', m.key, { account: m.account, status: 'refused' });
      ctx.count('accounts.refused');
      ctx.count('accounts.decided');
      ctx.send(m.replyTo, { type: 'command-result', key: m.key, status: 'refused' } satisfies CommandResult);
      return 'done';
    }
    const event: AccountEvent = { account: m.account, version: version + 1, kind: m.op === 'deposit' ? 'Deposited' : 'Withdrawn', amount: m.amount, command: m.key };
    // Optimistic concurrency: the version is a unique key; another instance that appended it first wins, and this command is rebuilt and tried again.
    if (noVersionCheck) ctx.store.put<AccountEvent>('events', eventKey(m.account, event.version), event);
    else if (!ctx.store.insertIfAbsent<AccountEvent>('events', eventKey(m.account, event.version), event)) {
      ctx.count('accounts.conflicts');
      return 'conflict';
    }
    const next = applyEvent(state, event);
    const snapshotNow = p.snapshotEvery > 0 && event.version % p.snapshotEvery === 0;
    if (snapshotNow) ctx.store.put<SnapshotRow>('snapshots', eventKey(m.account, event.version), { account: m.account, version: event.version, state: snapshotBeforeApply ? state : next });
    const prevHead = ctx.store.get<HeadRow>('heads', m.account);
    ctx.store.put<HeadRow>('heads', m.account, { version: event.version, snapshot: snapshotNow ? event.version : prevHead?.snapshot ?? 0 });
    ctx.store.put<CommandRow>('commands', m.key, { account: m.account, status: 'applied' });
    ctx.count('accounts.events');
    ctx.count('accounts.decided');
    ctx.crashPoint('accounts.after-append');
    ctx.send(m.replyTo, { type: 'command-result', key: m.key, status: 'applied' } satisfies CommandResult);
    return 'done';
  };

  /** The next command: its account rebuilt now, decided once the replay's time (the seed's cost per event) has passed. */
  const startNext = (q: Queue, ctx: Context) => {
    q.rebuilt = undefined;
    const m = q.waiting[0];
    if (m === undefined) return;
    if (ctx.store.has('commands', m.key)) {
      // Decided already (a retry that queued behind its first): answered without a rebuild.
      ctx.setTimer(0.01, { type: 'replayed' } satisfies Replayed);
      return;
    }
    const before = q.replayed;
    q.rebuilt = rebuild(ctx, m.account, q);
    ctx.setTimer(Math.max(0.01, (q.replayed - before) * p.eventReplayMs), { type: 'replayed' } satisfies Replayed);
  };

  return {
    init: () => ({ waiting: [], rebuilt: undefined, replayed: 0 }),
    crashPoints: ['accounts.after-append'],
    receive(q, m, ctx) {
      if (m.type === 'command') {
        const seen = ctx.store.get<CommandRow>('commands', m.key);
        if (seen !== undefined) {
          ctx.send(m.replyTo, { type: 'command-result', key: m.key, status: seen.status } satisfies CommandResult);
          return q;
        }
        q.waiting.push(m);
        if (q.waiting.length === 1) startNext(q, ctx);
      } else if (m.type === 'replayed') {
        const head = q.waiting[0];
        if (head !== undefined) {
          const outcome = q.rebuilt === undefined ? decide(ctx, q, head, { state: INITIAL, version: 0 }) : decide(ctx, q, head, q.rebuilt);
          if (outcome === 'done') q.waiting.shift();
        }
        startNext(q, ctx);
      }
      ctx.gauge(`${ctx.selfName}.queued`, q.waiting.length);
      return q;
    },
  };
}
