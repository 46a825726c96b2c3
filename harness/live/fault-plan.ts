// Live fault plans from the command line: a preset, a JSON file or inline JSON. Presets
// draw their schedule from the seed over the load's expected length and aim at what the
// pipeline has: worker processes to kill, an intake whose answers can be lost, its last
// consuming stage to slow down, its last producing stage to lose acknowledgements.
import { readFaultList } from '../../faults/load-plan.js';
import { Prng } from '../../runtime/sim/prng.js';
import { LIVE_FAULT_KINDS, LiveFaultError, liveFault, type LiveFault } from '../../runtime/live/live-faults.js';

export const LIVE_PRESETS = ['none', 'kill-workers', 'lost-responses', 'slow-consumers', 'lost-acks', 'broker-restart', 'crash-points', 'chaos'] as const;

/** What presets aim at. */
export interface LiveTargets {
  readonly workers: number;
  readonly loadMs: number;
  /** The pipeline's consuming actors, in topology order. */
  readonly consumers: readonly string[];
  /** Actors seen producing (a simulated probe run), in topology order. */
  readonly producers: readonly string[];
  /** The crash points the pipeline's behaviours declare (not the step boundaries), by actor. */
  readonly crashPoints?: readonly { readonly actor: string; readonly point: string }[];
}

export function liveFaultPreset(name: string, seed: number, t: LiveTargets): LiveFault[] | undefined {
  const rng = new Prng(seed, 'live-faults');
  const loadMs = t.loadMs;
  const at = (from: number, to: number) => Math.round(from + rng.random() * (to - from));
  const kills = (): LiveFault[] => {
    if (t.workers === 0) return [];
    const n = Math.max(1, Math.min(3, Math.floor(loadMs / 4_000)));
    return Array.from({ length: n }, (_, i) => ({
      kind: 'kill-worker' as const, worker: 1 + Math.floor(rng.random() * t.workers),
      atMs: at((loadMs * i) / n + 500, (loadMs * (i + 1)) / n), restartAfterMs: 1_000 + Math.round(rng.random() * 2_000),
    }));
  };
  // Windows open once records flow through every stage and stay open for half the load.
  const window = () => ({ atMs: at(0.3 * loadMs, 0.5 * loadMs), durationMs: Math.max(2_000, loadMs / 2) });
  const lost = (): LiveFault[] => [{ kind: 'lose-responses', probability: 0.05, ...window() }];
  const last = <T>(xs: readonly T[]) => xs[xs.length - 1];
  const slow = (): LiveFault[] => (t.consumers.length === 0 ? [] : [{ kind: 'slow-consumer', actor: last(t.consumers), delayMs: 200, ...window() }]);
  const acks = (): LiveFault[] => (t.producers.length === 0 ? [] : [{ kind: 'lose-produce-acks', actor: last(t.producers), probability: 0.2, ...window() }]);
  switch (name) {
    case 'none': return [];
    case 'kill-workers': return kills();
    case 'lost-responses': return lost();
    case 'slow-consumers': return slow();
    case 'lost-acks': return acks();
    // Each declared crash point once, on a pass drawn among the first few after a time in the load.
    case 'crash-points': return (t.crashPoints ?? []).map(({ actor, point }) => ({ kind: 'crash' as const, actor, point, occurrence: 1 + Math.floor(rng.random() * 5), afterMs: at(0.2 * loadMs, 0.6 * loadMs) }));
    case 'broker-restart': return [{ kind: 'broker-restart', atMs: at(0.3 * loadMs, 0.6 * loadMs), downMs: 3_000 }];
    case 'chaos': return [...kills(), ...lost(), ...slow(), ...acks()];
    default: return undefined;
  }
}

/** A preset name, a JSON file, or inline JSON; errors name the fault and the field. */
export function loadLiveFaults(arg: string, seed: number, t: LiveTargets): LiveFault[] {
  const preset = liveFaultPreset(arg, seed, t);
  if (preset !== undefined) return preset;
  const { list } = readFaultList(arg, `a live preset (${LIVE_PRESETS.join(', ')})`);
  if (!Array.isArray(list)) throw new LiveFaultError('a live fault plan must be a JSON array of faults (or {"faults": [...]}).');
  return list.map((f: unknown, i) => {
    const kind = (f as { kind?: unknown } | null)?.kind;
    if (!LIVE_FAULT_KINDS.includes(kind as never)) {
      throw new LiveFaultError(`fault #${i} has kind ${JSON.stringify(kind ?? null)}; live runs know ${LIVE_FAULT_KINDS.join(', ')} (the simulator's other kinds have no live counterpart yet).`);
    }
    const parsed = liveFault.safeParse(f);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LiveFaultError(`fault #${i} (${String(kind)}), field "${issue.path.join('.') || '?'}": ${issue.message}.`);
    }
    if (parsed.data.kind === 'kill-worker' && parsed.data.worker > t.workers) {
      throw new LiveFaultError(`fault #${i} (kill-worker) names worker ${parsed.data.worker}, but the run has ${t.workers} worker process${t.workers === 1 ? '' : 'es'} (--workers).`);
    }
    return parsed.data;
  });
}
