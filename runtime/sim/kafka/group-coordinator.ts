// A consumer group's coordinator as an actor. Members join and leave (a crashed
// member leaves when its session times out); every membership change starts a new
// generation with a range assignment (Kafka's RangeAssignor) whose fetch positions
// are the committed offsets. Offset commits from an old generation are refused, as
// Kafka refuses them with ILLEGAL_GENERATION. Offsets and the generation are durable.
import type { Behaviour } from '../../contract.js';
import type { CoordinatorMessage, TopicPartitionOffset } from './protocol.js';

export interface GroupTopic {
  readonly name: string;
  readonly partitions: number;
}

interface Member {
  readonly ref: number;
  readonly id: string;
}

interface CoordinatorState {
  members: Member[];
}

export const offsetKey = (topic: string, partition: number) => `${topic}#${partition}`;

export function groupCoordinatorBehaviour(group: string, topics: readonly GroupTopic[]): Behaviour<CoordinatorState, CoordinatorMessage> {
  return {
    // Membership is durable too: a restarted coordinator keeps its group.
    init: (ctx) => ({ members: ctx.store.get<Member[]>('meta', 'members') ?? [] }),
    receive(state, msg, ctx) {
      const store = ctx.store;
      /** The range assignment of the current members, with committed offsets as positions. */
      const assignment = () => {
        const members = state.members;
        const assigned: TopicPartitionOffset[][] = members.map(() => []);
        if (members.length > 0) {
          for (const t of topics) {
            const per = Math.floor(t.partitions / members.length);
            const extra = t.partitions % members.length;
            let p = 0;
            for (let m = 0; m < members.length; m++) {
              const n = per + (m < extra ? 1 : 0);
              for (let i = 0; i < n; i++, p++) {
                assigned[m].push({ topic: t.name, partition: p, offset: store.get<number>('offsets', offsetKey(t.name, p)) ?? 0 });
              }
            }
          }
        }
        return assigned;
      };
      const rebalance = () => {
        store.put('meta', 'members', state.members);
        const generation = (store.get<number>('meta', 'generation') ?? 0) + 1;
        store.put('meta', 'generation', generation);
        const assigned = assignment();
        for (let m = 0; m < state.members.length; m++) {
          ctx.send(state.members[m].ref, { kc: 1, type: 'assignment', group, generation, partitions: assigned[m] });
        }
      };
      switch (msg.type) {
        case 'join': {
          const others = state.members.filter((m) => m.ref !== msg.member);
          others.push({ ref: msg.member, id: msg.memberId });
          others.sort((a, b) => a.ref - b.ref);
          state.members = others;
          rebalance();
          return state;
        }
        case 'leave': {
          const before = state.members.length;
          state.members = state.members.filter((m) => m.id !== msg.memberId);
          if (state.members.length !== before) rebalance();
          return state;
        }
        case 'heartbeat': {
          // A member we do not know must join again (its join, or our state, was lost);
          // a member behind on generations missed its assignment: send it again.
          const generation = store.get<number>('meta', 'generation') ?? 0;
          const m = state.members.findIndex((x) => x.id === msg.memberId);
          if (m < 0) ctx.send(msg.member, { kc: 1, type: 'rejoin', group });
          else if (msg.generation !== generation) {
            ctx.send(msg.member, { kc: 1, type: 'assignment', group, generation, partitions: assignment()[m] });
          }
          return state;
        }
        case 'rebalance':
          // A forced rebalance (a member lost its assignment): same members, new generation.
          if (state.members.length > 0) rebalance();
          return state;
        case 'reset-offsets':
          // kafka-consumer-groups --reset-offsets --shift-by -N: every partition N back (not below 0),
          // and the members start over from there (a new generation refuses commits made before).
          for (const t of topics) {
            for (let p = 0; p < t.partitions; p++) {
              const at = store.get<number>('offsets', offsetKey(t.name, p)) ?? 0;
              if (at > 0) store.put('offsets', offsetKey(t.name, p), Math.max(0, at - msg.by));
            }
          }
          ctx.count('kafka.offsetResets');
          if (state.members.length > 0) rebalance();
          return state;
        case 'commit': {
          const generation = store.get<number>('meta', 'generation') ?? 0;
          const ok = msg.generation === generation && state.members.some((m) => m.id === msg.memberId);
          if (!ok) ctx.count('kafka.commitsRejected');
          else for (const o of msg.offsets) store.put('offsets', offsetKey(o.topic, o.partition), o.offset);
          if (msg.member !== undefined) ctx.send(msg.member, { kc: 1, type: 'committed', ok, generation: msg.generation, offsets: msg.offsets });
          return state;
        }
        default:
          return state;
      }
    },
  };
}
