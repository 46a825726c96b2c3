// A scenario's shape as a live run places it: topics and partitions, actors with their
// placement, store and consumer group. Every process of a run must agree on it; a worker
// that joins from another machine with another version of the scenario (or other
// parameters) is refused before it touches a topic, not found out later as odd violations.
import { createHash } from 'node:crypto';
import type { LiveHostTopology } from '../../runtime/live/topology.js';

export function scenarioFingerprint(host: LiveHostTopology): string {
  const shape = {
    topics: host.topics.map((t) => [t.name, t.partitions]),
    actors: host.actors.map((a) => [a.name, a.place, a.store ?? null, a.http === true, a.consumes === undefined ? null : [a.consumes.group, [...a.consumes.topics]], a.behaviour.crashPoints ?? []]),
    requestTimeoutMs: host.requestTimeoutMs,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 12);
}
