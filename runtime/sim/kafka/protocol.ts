// Messages between Kafka clients (hosted inside service actors by the runtime) and
// the partition and group-coordinator actors. Replies to clients carry `kc` so the
// runtime hands them to the client machinery instead of the service's mailbox;
// requests to partitions and coordinators are ordinary messages.

export interface ProduceRequest {
  readonly type: 'produce';
  readonly replyTo: number;
  readonly requestId: number;
  /** Idempotent producers send a producer id and a per-partition sequence; others send -1. */
  readonly producerId: number;
  readonly seqBase: number;
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
  /** 1: the leader acknowledges on its own append; -1 (acks=all): once the followers have it too. */
  readonly acks: 1 | -1;
}

export interface ProduceResponse {
  readonly kc: 1;
  readonly type: 'produced';
  readonly topic: string;
  readonly partition: number;
  readonly requestId: number;
  readonly baseOffset: number;
  /** The partition recognised a retried batch and did not append it again. */
  readonly duplicate: boolean;
}

export interface FetchRequest {
  readonly type: 'fetch';
  readonly replyTo: number;
  readonly fetchId: number;
  readonly offset: number;
  readonly maxRecords: number;
  /** Answer at once only if this many records are available (Kafka's fetch.min.bytes, in records)… */
  readonly minRecords: number;
  /** …otherwise when they are, or after this long with what there is (fetch.max.wait.ms). */
  readonly maxWaitMs: number;
}

export interface FetchResponse {
  readonly kc: 1;
  readonly type: 'fetched';
  readonly topic: string;
  readonly partition: number;
  readonly fetchId: number;
  readonly records: readonly import('../../contract.js').KafkaRecord[];
}

export interface FetchExpired {
  readonly type: 'fetch-expired';
  readonly fetchId: number;
  readonly replyTo: number;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface JoinGroup {
  readonly type: 'join';
  readonly member: number;
  readonly memberId: string;
}

export interface LeaveGroup {
  readonly type: 'leave';
  readonly memberId: string;
}

export interface OffsetCommit {
  readonly type: 'commit';
  /** The member's actor, for the answer (absent: a commit nobody waits for). */
  readonly member?: number;
  readonly memberId: string;
  readonly generation: number;
  readonly offsets: readonly TopicPartitionOffset[];
}

/** The coordinator's answer to a commit: applied, or refused (a stale generation: the partitions went elsewhere). */
export interface OffsetCommitted {
  readonly kc: 1;
  readonly type: 'committed';
  readonly ok: boolean;
  /** The generation the commit was made in: an answer to another generation's commit says nothing of this one's. */
  readonly generation: number;
  readonly offsets: readonly TopicPartitionOffset[];
}

export interface Assignment {
  readonly kc: 1;
  readonly type: 'assignment';
  readonly group: string;
  readonly generation: number;
  readonly partitions: readonly TopicPartitionOffset[];
}

/** Sent by a member every heartbeat interval, with the generation it works in. */
export interface Heartbeat {
  readonly type: 'heartbeat';
  readonly member: number;
  readonly memberId: string;
  readonly generation: number;
}

/** The coordinator does not know the member: it must join again. */
export interface Rejoin {
  readonly kc: 1;
  readonly type: 'rejoin';
  readonly group: string;
}

/** A forced rebalance (the redeliver fault): same members, a new generation. */
export interface ForceRebalance {
  readonly type: 'rebalance';
}

/** An operator's offset reset (the rewind fault): every committed offset `by` records back, then a rebalance. */
export interface ResetOffsets {
  readonly type: 'reset-offsets';
  readonly by: number;
}

export type PartitionMessage = ProduceRequest | FetchRequest | FetchExpired;
export type CoordinatorMessage = JoinGroup | LeaveGroup | OffsetCommit | ForceRebalance | Heartbeat | ResetOffsets;
export type ClientReply = ProduceResponse | FetchResponse | Assignment | Rejoin | OffsetCommitted;
