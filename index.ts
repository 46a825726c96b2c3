// What a user-written scenario imports: `import { … } from 'faultline'`.
export type { Behaviour, Context, DurableStore, KafkaRecord, RecordsMessage, RuntimeMessage, ActorRef, Key } from './runtime/contract.js';
export { Simulation, type ActorSpec, type ConsumerSpec, type TopicSpec } from './runtime/sim/kernel.js';
export { exponentialMs, perItemMs, itemCount, type ServiceTime } from './runtime/sim/service-time.js';
export { ScenarioError, type Scenario, type BuiltScenario } from './scenarios/types.js';
export { ViolationLog, type InvariantResult, type Violation } from './checks/types.js';
export { runScenario, type RunOptions } from './runtime/sim/runner.js';
export type { RunResult } from './reports/run-result.js';
export type { FaultPlan, Fault } from './faults/plan.js';
export { runLive, LiveSetupError, type LiveRunOptions, type LiveRunResult } from './runtime/live/live-run.js';
export type { LiveTopology, LiveActorSpec, LiveWorld, Placement } from './runtime/live/topology.js';
export { DenseTable, Interner } from './runtime/sim/dense-table.js';
