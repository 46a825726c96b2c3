import { zooMinimality } from './zoo-seeds.js';

await zooMinimality((scenario) => scenario !== 'refunds');
