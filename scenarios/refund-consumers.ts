// How each consuming stage of the refund pipeline reads Kafka: the same in the
// simulator and live.
import type { ConsumerSpec } from '../runtime/sim/kernel.js';
import { TOPIC_DLQ, TOPIC_OUTCOMES, TOPIC_REQUESTED } from '../actors/refunds/model.js';

export const REFUND_CONSUMERS = {
  rms: { group: 'rms-status', topics: [TOPIC_OUTCOMES, TOPIC_DLQ], maxPollRecords: 500 },
  // Spark Streaming: records are read in micro-batches (a 100 ms trigger).
  batcher: {
    group: 'batcher', topics: [TOPIC_REQUESTED], maxPollRecords: 500, fetchMinRecords: 500, fetchMaxWaitMs: 100,
    deadLetterTopic: TOPIC_DLQ, maxAttempts: 3,
  },
  // Flink: network buffers flush when full or after the 100 ms buffer timeout.
  cs: { group: 'cs', topics: [TOPIC_OUTCOMES], maxPollRecords: 500, fetchMinRecords: 500, fetchMaxWaitMs: 100 },
} as const satisfies Record<string, ConsumerSpec>;

