// A Kafka partition as an actor: appends produced batches (dropping a retried batch
// of an idempotent producer), answers fetches, and parks a fetch that finds fewer
// records than it asked for until they arrive or its max wait passes (Kafka's long
// poll with fetch.min.bytes / fetch.max.wait.ms).
import type { Behaviour, Context } from '../../contract.js';
import type { PartitionLog } from './partition-log.js';
import type { FetchRequest, PartitionMessage, ProduceResponse } from './protocol.js';

interface PartitionState {
  /** Fetches waiting for data (volatile: lost if the partition leader crashes). */
  parked: FetchRequest[];
  /** acks=all answers waiting for the followers (volatile too; only a stalled replication makes any wait). */
  unreplicated: { readonly replyTo: number; readonly answer: ProduceResponse }[];
}

export function partitionBehaviour(log: PartitionLog): Behaviour<PartitionState, PartitionMessage> {
  const answer = (ctx: Context, f: FetchRequest) =>
    ctx.send(f.replyTo, {
      kc: 1,
      type: 'fetched',
      topic: log.topic,
      partition: log.partition,
      fetchId: f.fetchId,
      records: log.read(f.offset, f.maxRecords),
    });

  // acks=1 is answered on the leader's append; acks=all once the followers have the
  // records, at once while they keep up. A retried batch's answer waits the same way
  // (Kafka answers a duplicate from the same purgatory).
  const acknowledge = (state: PartitionState, ctx: Context, req: { replyTo: number; acks: 1 | -1 }, answer: ProduceResponse, replicated = log.replicating) => {
    if (req.acks === 1 || replicated) ctx.send(req.replyTo, answer);
    else state.unreplicated.push({ replyTo: req.replyTo, answer });
  };

  return {
    init: () => ({ parked: [], unreplicated: [] }),
    receive(state, msg, ctx) {
      switch (msg.type) {
        case 'produce': {
          const n = msg.keys.length;
          if (msg.producerId >= 0) {
            const last = log.lastSeqByProducer.get(msg.producerId);
            if (last !== undefined && msg.seqBase <= last) {
              ctx.count('kafka.duplicatesDropped');
              // A retry of a batch the followers already have is answered at once; of one they lack, once they have it.
              acknowledge(state, ctx, msg, { kc: 1, type: 'produced', topic: log.topic, partition: log.partition, requestId: msg.requestId, baseOffset: -1, duplicate: true }, log.replicatedSeq(msg.producerId, msg.seqBase + n - 1));
              return state;
            }
            log.lastSeqByProducer.set(msg.producerId, msg.seqBase + n - 1);
          }
          const baseOffset = log.end;
          for (let i = 0; i < n; i++) log.append(msg.keys[i], msg.values[i]);
          acknowledge(state, ctx, msg, { kc: 1, type: 'produced', topic: log.topic, partition: log.partition, requestId: msg.requestId, baseOffset, duplicate: false });
          if (state.parked.length > 0 && log.replicating) {
            const still: FetchRequest[] = [];
            for (const f of state.parked) {
              if (log.visibleEnd - f.offset >= f.minRecords) answer(ctx, f);
              else still.push(f);
            }
            state.parked = still;
          }
          return state;
        }
        case 'fetch': {
          if (log.visibleEnd - msg.offset >= msg.minRecords || msg.maxWaitMs <= 0) answer(ctx, msg);
          else {
            state.parked.push(msg);
            ctx.setTimer(msg.maxWaitMs, { type: 'fetch-expired', fetchId: msg.fetchId, replyTo: msg.replyTo });
          }
          return state;
        }
        case 'fetch-expired': {
          const i = state.parked.findIndex((f) => f.fetchId === msg.fetchId && f.replyTo === msg.replyTo);
          if (i >= 0) {
            answer(ctx, state.parked[i]);
            state.parked.splice(i, 1);
          }
          return state;
        }
        default:
          return state;
      }
    },
  };
}
