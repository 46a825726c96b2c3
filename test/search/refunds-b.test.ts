import { zooMinimality } from './zoo-seeds.js';

await zooMinimality((scenario, _v, i) => scenario === 'refunds' && i % 2 === 1);
