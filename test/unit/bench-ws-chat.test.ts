// Tests of ws-chat's comparison table: each gateway phase beside the durable-echo baseline's phase under the same load.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { againstBaseline, type PhaseFigures } from '../../bench/ws-chat.js';

function phase(server: PhaseFigures['server'], storage: string, name: string, load: string, p50: number, p99: number, cpu: number, perSec: number): PhaseFigures {
  return {
    server, storage, phase: name, load, perSec, errors: [], unanswered: 0, completed: 100, cpuMsPerRequest: cpu,
    latency: { count: 100, min: p50 / 2, mean: p50, p50, p90: p99 / 2, p99, p999: p99, max: p99 },
  };
}

describe('againstBaseline', () => {
  const paced = 'paced 1000/s over 100 clients';
  const cases: Array<{ name: string; phases: PhaseFigures[]; rows: unknown[][] }> = [
    {
      name: 'pairs phases by storage, phase and load, in the gateway order, with gateway ÷ baseline ratios',
      phases: [
        phase('gateway', 'tmpfs', 'chat', paced, 1.2, 6, 0.9, 1000),
        phase('gateway', 'disk', 'chat', paced, 4, 20, 1.1, 999),
        phase('durable-echo', 'disk', 'chat', paced, 2, 8, 0.5, 1000),
        phase('durable-echo', 'tmpfs', 'chat', paced, 0.4, 1.5, 0.3, 1000),
      ],
      rows: [
        ['tmpfs', 'chat', paced, 1.2, 0.4, 3, 6, 1.5, 4, 3, 1],
        ['disk', 'chat', paced, 4, 2, 2, 20, 8, 2.5, 2.2, 0.999],
      ],
    },
    {
      name: 'leaves out the transport-only ping and phases the baseline did not run',
      phases: [
        phase('gateway', 'tmpfs', 'ping (transport only)', 'paced 1000/s', 0.2, 0.5, 0.06, 1000),
        phase('durable-echo', 'tmpfs', 'ping (transport only)', 'paced 1000/s', 0.1, 0.3, 0.05, 1000),
        phase('gateway', 'tmpfs', 'chat, max', 'closed loop, 100 clients', 50, 250, 0.8, 1500),
        phase('durable-echo', 'disk', 'chat, max', 'closed loop, 100 clients', 10, 20, 0.08, 9000),
      ],
      rows: [],
    },
    {
      name: 'a baseline figure of zero gives no ratio rather than Infinity',
      phases: [phase('gateway', 'tmpfs', 'chat', paced, 1, 2, 0.9, 1000), phase('durable-echo', 'tmpfs', 'chat', paced, 0, 1, 0, 1000)],
      rows: [['tmpfs', 'chat', paced, 1, 0, NaN, 2, 1, 2, NaN, 1]],
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(againstBaseline(c.phases), c.rows));
});
