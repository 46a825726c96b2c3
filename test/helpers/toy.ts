// A tiny pipeline for kernel tests: a source produces numbered records to a topic; a
// sink consumes them, counts each value in a durable table and commits after.
import type { Behaviour, RuntimeMessage } from '../../runtime/contract.js';
import { Simulation, type SimOptions } from '../../runtime/sim/kernel.js';

export function toyPipeline(opts: Partial<SimOptions> & { records: number; idempotent?: boolean; sinkWorkers?: number }) {
  const sim = new Simulation({ seed: 1, ...opts });
  sim.addTopic({ name: 'numbers', partitions: 3 });
  const source: Behaviour<{ n: number }, { type: 'tick' } | RuntimeMessage> = {
    init: () => ({ n: 0 }),
    receive(s, m, ctx) {
      if (m.type === '$started' && !m.restart) ctx.setTimer(1, { type: 'tick' });
      if (m.type === 'tick' && s.n < opts.records) {
        s.n++;
        ctx.produce('numbers', `k${s.n}`, s.n);
        ctx.setTimer(1, { type: 'tick' });
      }
      return s;
    },
  };
  const sink: Behaviour<{ seen: number }, RuntimeMessage> = {
    init: () => ({ seen: 0 }),
    crashPoints: ['sink.after-count'],
    receive(s, m, ctx) {
      if (m.type !== '$records') return s;
      for (const r of m.records) {
        s.seen++;
        ctx.store.put('count', r.key, (ctx.store.get<number>('count', r.key) ?? 0) + 1);
      }
      ctx.crashPoint('sink.after-count');
      ctx.commit(m.topic, m.partition, m.records[m.records.length - 1].offset + 1);
      return s;
    },
  };
  sim.addActor({ name: 'source', behaviour: source, idempotentProducer: opts.idempotent ?? true });
  sim.addActor({ name: 'sink', behaviour: sink, workers: opts.sinkWorkers ?? 1, serviceTime: 0.5, consumes: { group: 'g', topics: ['numbers'], maxPollRecords: 10 } });
  const counts = () => sim.store('sink').table('count') as Map<string, number>;
  return { sim, counts };
}
