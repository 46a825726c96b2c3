// The rejected design of seeds/000, as a baseline: RMS coordinates a synchronous 2PC
// over DS and CS per refund on a pool of 200 request threads; DS takes the refund
// type's lock per refund and holds it across the transaction. The same workload,
// stores, checks and metrics as `refunds`, so capacity reports put both on one axis.
import { defineScenario } from '../../harness/scenario.js';
import { exponentialMs } from '../../runtime/sim/service-time.js';
import { lockServiceBehaviour } from '../../actors/lease-lock.js';
import { outbox } from '../../actors/outbox.js';
import { TOPIC_DLQ } from '../refunds/model.js';
import { REFUND_LOAD, refundParamsShape } from '../refunds/params.js';
import { STORES } from '../refunds/invariants.js';
import { REFUND_COMMON, refundTables, refundClient } from '../refunds/common.js';
import { rms2pcBehaviour } from './rms-2pc.js';
import { ds2pcBehaviour } from './ds-2pc.js';
import { cs2pcBehaviour } from './cs-2pc.js';

export default defineScenario({
  name: 'refunds-2pc',
  description: 'the rejected design (seeds/000): RMS runs a synchronous 2PC over DS and CS per refund, DS locks per refund',
  params: refundParamsShape,
  load: REFUND_LOAD,
  ...REFUND_COMMON,
  // The refund pipeline's bug zoo is written against its event-driven services.
  variants: {},
  // As modelled here (as in the seed), the coordinator keeps its transactions in memory and
  // sends each decision once: a crash of RMS, or a lost vote or acknowledgement, leaves
  // refunds PENDING for good. The seed rejected the design for its cost; a search shows this too.
  survivesFaults: false,
  topology: (p) => {
    // Aborted refunds' dead letters go out through an outbox, like the event-driven design's events.
    const box = outbox({ pollMs: p.relayPollMs, batchMax: p.relayBatchMax });
    return {
      topics: [{ name: TOPIC_DLQ, partitions: 1, retainAll: true }],
      actors: [
        { name: 'client', behaviour: refundClient(p) },
        { name: 'rms', store: STORES.rms, behaviour: rms2pcBehaviour(p, box), workers: 32, serviceTime: exponentialMs(0.5) },
        { name: 'outbox-relay', store: STORES.rms, behaviour: box.relay, serviceTime: 0.2 },
        { name: 'ds', store: STORES.ds, behaviour: ds2pcBehaviour(p), workers: 4, serviceTime: exponentialMs(1) },
        { name: 'cs', store: STORES.cs, behaviour: cs2pcBehaviour(), workers: 4, serviceTime: exponentialMs(0.5) },
        { name: 'lock-service', store: STORES.locks, behaviour: lockServiceBehaviour(p.leaseMs), serviceTime: exponentialMs(0.2) },
      ],
      tables: refundTables(p.count),
    };
  },
});
