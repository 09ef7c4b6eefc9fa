// One binary-target cluster for a test file: started before its tests (as root; otherwise the tests skip through
// itWithNetwork), closed after them. The function it returns gives the cluster, or throws why it did not start.
import { afterAll, beforeAll } from 'vitest';
import type { ModeName, Scenario } from '../../../scenarios/schema.ts';
import { MODES } from '../../../scripts/cluster/modes.ts';
import { planCluster } from '../../../scripts/cluster/plan.ts';
import { BinaryCluster } from '../../../scripts/targets/binary/binaryCluster.ts';

export function binaryClusterFixture(scenario: Scenario, randomSeed: number, startTimeoutMs = 180_000, mode: ModeName = 'l7'): () => BinaryCluster {
  let cluster: BinaryCluster | undefined;
  let startError: Error | undefined;
  beforeAll(async () => {
    if (process.getuid?.() !== 0) return;
    try {
      cluster = await BinaryCluster.start(planCluster(scenario.topology, MODES[mode], randomSeed, { clientGroups: scenario.clients }));
    } catch (error) {
      startError = error as Error;
    }
  }, startTimeoutMs);
  afterAll(async () => {
    await cluster?.close();
  }, 120_000);
  return () => {
    if (!cluster) throw startError ?? new Error('the cluster did not start');
    return cluster;
  };
}
