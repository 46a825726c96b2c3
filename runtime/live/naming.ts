// Names of one live run on shared infrastructure: topics, consumer groups and stores
// carry the run's id, so runs on the same broker and database never see each other's
// records or rows, and what a run leaves behind can be found and removed by its id
// (runtime/live/cleanup.ts). A user without the right to create topics names existing
// ones by a prefix instead: those are shared, so the run starts reading them at their
// ends (see live-run's setUp), and its groups and rows still carry its id.
import type { ConsumerNaming } from './live-consumer.js';

/** Every broker and database name of a run starts with this, followed by the run id. */
export const RUN_PREFIX = 'faultline.';

export interface RunNaming extends ConsumerNaming {
  /** The database's name of a scenario store. */
  store(name: string): string;
  /** What the run's own topics and groups start with. */
  readonly prefix: string;
  /** Whether the topics are the user's, not the run's: neither created nor removed. */
  readonly existingTopics: boolean;
}

export function runNaming(runId: string, existingTopicPrefix?: string): RunNaming {
  const prefix = `${RUN_PREFIX}${runId}.`;
  const topicPrefix = existingTopicPrefix ?? prefix;
  return {
    prefix,
    existingTopics: existingTopicPrefix !== undefined,
    topic: (name) => topicPrefix + name,
    logical: (brokerTopic) => (brokerTopic.startsWith(topicPrefix) ? brokerTopic.slice(topicPrefix.length) : brokerTopic),
    group: (name) => prefix + name,
    store: (name) => `${runId}/${name}`,
  };
}

/** The run id in a broker name of a run (`faultline.<id>.…`), if it is one. */
export function runIdOfBrokerName(name: string): string | undefined {
  if (!name.startsWith(RUN_PREFIX)) return undefined;
  const rest = name.slice(RUN_PREFIX.length);
  const dot = rest.indexOf('.');
  return dot > 0 ? rest.slice(0, dot) : undefined;
}
