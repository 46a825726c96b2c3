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
  /** When each member last joined or heartbeated: volatile, as a coordinator's session timers are. */
  readonly lastSeenMs: Map<string, number>;
  sessionCheck: boolean;
}

/** Session timeouts: a member not heard from for `sessionTimeoutMs` is evicted (checked every `checkEveryMs`). */
export interface SessionOptions {
  readonly sessionTimeoutMs: number;
  readonly checkEveryMs: number;
}

export const offsetKey = (topic: string, partition: number) => `${topic}#${partition}`;

export function groupCoordinatorBehaviour(group: string, topics: readonly GroupTopic[], session?: SessionOptions): Behaviour<CoordinatorState, CoordinatorMessage | { type: 'session-check' }> {
  return {
    // Membership is durable too: a restarted coordinator keeps its group (and hears from its members afresh).
    init: (ctx) => {
      const members = ctx.store.get<Member[]>('meta', 'members') ?? [];
      return { members, lastSeenMs: new Map(members.map((m) => [m.id, ctx.now()])), sessionCheck: false };
    },
    receive(state, msg, ctx) {
      const store = ctx.store;
      // Only joins and heartbeats keep a session alive (as Kafka's heartbeat thread does), not commits.
      if (msg.type === 'join' || msg.type === 'heartbeat') state.lastSeenMs.set(msg.memberId, ctx.now());
      // A member silent for the session timeout (a stalled process, a cut link) is evicted and its
      // partitions go to the others; when it speaks again it is told to rejoin. Until then it is a
      // zombie: what it finishes meanwhile it may write, but its commits are refused.
      const armSessionCheck = () => {
        if (session === undefined || state.sessionCheck || state.members.length === 0) return;
        state.sessionCheck = true;
        ctx.setTimer(session.checkEveryMs, { type: 'session-check' });
      };
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
          armSessionCheck();
          return state;
        }
        case 'session-check': {
          state.sessionCheck = false;
          const now = ctx.now();
          const alive = state.members.filter((m) => now - (state.lastSeenMs.get(m.id) ?? now) <= session!.sessionTimeoutMs);
          if (alive.length !== state.members.length) {
            ctx.count('kafka.sessionsExpired', state.members.length - alive.length);
            for (const m of state.members) if (!alive.includes(m)) state.lastSeenMs.delete(m.id);
            state.members = alive;
            rebalance();
          }
          armSessionCheck();
          return state;
        }
        case 'leave': {
          const before = state.members.length;
          state.members = state.members.filter((m) => m.id !== msg.memberId);
          if (state.members.length !== before) rebalance();
          return state;
        }
        case 'heartbeat': {
          armSessionCheck(); // (a restarted coordinator arms it at the first heartbeat)
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
              const key = offsetKey(t.name, p);
              const at = store.get<number>('offsets', key) ?? 0;
              if (at > 0) store.put('offsets', key, Math.max(0, at - msg.by));
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
