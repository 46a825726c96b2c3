// Fault plans are data: plain, serialisable objects, validated by a schema. This
// first slice has crashes (at a virtual time, or at the n-th pass through a named
// crash point); the rest of DESIGN.md's catalogue extends the same union.
import { z } from 'zod';

export const crashAtTimeSchema = z.strictObject({
  kind: z.literal('crash'),
  actor: z.string().min(1),
  atMs: z.number().min(0),
  restartAfterMs: z.number().min(0).default(100),
});

export const crashAtPointSchema = z.strictObject({
  kind: z.literal('crash'),
  actor: z.string().min(1),
  /** A behaviour's crash point or a kernel step boundary (before-commit, after-commit, after-sends). */
  point: z.string().min(1),
  /** Which pass through the point crashes (1 = the first). */
  occurrence: z.number().int().min(1).default(1),
  restartAfterMs: z.number().min(0).default(100),
});

export const faultSchema = z.union([crashAtTimeSchema, crashAtPointSchema]);
export const faultPlanSchema = z.array(faultSchema);

export type Fault = z.infer<typeof faultSchema>;
export type FaultPlan = Fault[];

/** Whether (and how often) each planned fault fired, in plan order. */
export interface FaultReport {
  readonly fault: Fault;
  fired: number;
}
