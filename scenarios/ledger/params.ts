// The ledger scenario's parameters: seeds/003's event store (a snapshot every 1,000 events;
// a replay of 10,000 events takes 5 s, 0.5 ms an event), a few busy accounts so that their
// streams grow long within a run.
import { z } from 'zod';
import type { BaseParams } from '../../harness/scenario.js';

export const ledgerParamsShape = {
  /** Instances of the account service behind a round-robin load balancer, sharing one event store. */
  instances: z.number().int().min(1).max(8).default(2),
  /** Accounts (event streams) the commands spread over. */
  accounts: z.number().int().min(1).default(2),
  /** A snapshot of an account's state after every this many events (0: none, every read replays the whole stream). */
  snapshotEvery: z.number().int().min(0).default(1_000),
  /** What replaying one event costs (the seed: 10,000 events in 5 s). */
  eventReplayMs: z.number().min(0).default(0.5),
  /** Share of commands that are withdrawals (refused when they would overdraw). */
  withdrawShare: z.number().min(0).max(1).default(0.4),
};

export type LedgerParams = BaseParams & { readonly [K in keyof typeof ledgerParamsShape]: z.infer<(typeof ledgerParamsShape)[K]> };
