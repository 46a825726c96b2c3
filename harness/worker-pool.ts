// Evaluates candidates on worker threads, handing out indices in order and never one
// past the lowest failure found so far; what it returns is exactly what a sequential
// evaluation returns (every index up to the first failure), whatever the worker count.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Evaluation, Evaluator, Shard } from '../checks/search.js';

export function workerEvaluator(workers: number, init: { scenarioArg: string; overrides: Record<string, unknown>; seed: number; runs: number; shard?: Shard }): Evaluator {
  return (candidates, deadline, onProgress) =>
    new Promise((resolve, reject) => {
      const url = new URL('./check-worker.js', import.meta.url);
      const results = new Map<number, Evaluation>();
      let next = 0;
      let firstFailure = Infinity;
      let inFlight = 0;
      let interrupted = false;
      let settled = false;
      const pool: Worker[] = [];
      const finish = () => {
        if (settled) return;
        settled = true;
        for (const w of pool) void w.terminate();
        const evaluations: Evaluation[] = [];
        const last = Math.min(firstFailure, candidates.length - 1);
        for (let i = 0; i <= last; i++) {
          const e = results.get(i);
          if (e === undefined) break; // interrupted before this index
          evaluations.push(e);
        }
        // A failure found is a complete answer, whenever the budget ran out.
        resolve({ evaluations, interrupted: interrupted && firstFailure === Infinity });
      };
      const feed = (w: Worker) => {
        if (performance.now() > deadline) interrupted = true;
        if (!interrupted && next < candidates.length && next < firstFailure) {
          inFlight++;
          w.postMessage(next++);
        } else if (inFlight === 0) finish();
      };
      for (let i = 0; i < workers; i++) {
        const w = new Worker(url, { workerData: init });
        pool.push(w);
        w.on('message', (m: Evaluation | { ready: true }) => {
          if ('ready' in m) {
            feed(w);
            return;
          }
          inFlight--;
          results.set(m.index, m);
          if (!m.ok) firstFailure = Math.min(firstFailure, m.index);
          onProgress?.(results.size);
          feed(w);
        });
        w.on('error', (err) => {
          settled = true;
          for (const x of pool) void x.terminate();
          reject(err);
        });
      }
    });
}
