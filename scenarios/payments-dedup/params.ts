// The payments-dedup scenario's parameters: the seed's figures as defaults (a one-hour
// watermark, 10,000 transactions a minute, 0.5–2% duplicates from network retries, some
// events late, a few past the hour).
import { z } from 'zod';
import type { BaseParams } from '../../harness/scenario.js';

export const dedupParamsShape = {
  partitions: z.number().int().min(1).default(6),
  /** The lateness the pipeline promises to keep (the seed's watermark: event time − 1 h). */
  watermarkMs: z.number().positive().default(3_600_000),
  /** The stream job starts a micro-batch this long after records arrive (Spark's processing-time trigger). */
  triggerMs: z.number().positive().default(1_000),
  /** Share of events a terminal sends late (it was offline): their event time lies in the past. */
  lateRate: z.number().min(0).max(1).default(0.005),
  /** A late event is up to this late; past the watermark it may be dropped. */
  latenessMaxMs: z.number().min(0).default(5_400_000),
  /** Share of events stamped ahead of time by a terminal whose clock runs fast, by up to `clockAheadMaxMs`. */
  clockAheadRate: z.number().min(0).max(1).default(0),
  clockAheadMaxMs: z.number().min(0).default(7_200_000),
  /** The job sends a batch to the sink again when its answer has not come this long. */
  sinkTimeoutMs: z.number().positive().default(2_000),
  /** How long the sink takes to write one batch, and each row more (calibrate both to your warehouse). */
  sinkLatencyMs: z.number().min(0).default(20),
  sinkRowMs: z.number().min(0).default(0.005),
  /** The stream job's cost per record of a fetch (parse, filter, dedup lookup), calibrated to your job. */
  jobRecordMs: z.number().min(0).default(0.002),
};

export type DedupParams = BaseParams & { readonly [K in keyof typeof dedupParamsShape]: z.infer<(typeof dedupParamsShape)[K]> };
