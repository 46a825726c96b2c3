// Names of one live run on shared infrastructure: topics, consumer groups and stores
// carry the run's id, so runs on the same broker and database never see each other's
// records or rows, and a finished run can still be inspected.
import type { ConsumerNaming } from './live-consumer.js';

export function runNaming(runId: string): ConsumerNaming & { store(name: string): string; prefix: string } {
  const prefix = `faultline.${runId}.`;
  return {
    prefix,
    topic: (name) => prefix + name,
    logical: (brokerTopic) => (brokerTopic.startsWith(prefix) ? brokerTopic.slice(prefix.length) : brokerTopic),
    group: (name) => prefix + name,
    store: (name) => `${runId}/${name}`,
  };
}
