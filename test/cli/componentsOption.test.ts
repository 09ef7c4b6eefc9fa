// `--components gateway=envoy` (scripts/cli/componentsOption.ts, docs/fidelity.md#swapping-one-component): parsed once
// for scenario, gate and calibrate; a bad value, or the flag on another target than local, is one line and exit 2;
// with the swap, the local target's check() refuses what real Envoy configured from the Istio objects cannot do.
import { InvalidArgumentError } from 'commander';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseComponents } from '../../scripts/cli/componentsOption.ts';
import { createLocalTarget, envoyGatewayCheck, localTarget } from '../../scripts/targets/local/localTarget.ts';
import { Scenario } from '../../scenarios/schema.ts';

const cli = (script: string, ...args: string[]) => execa(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { reject: false });

describe('--components', () => {
  it('parses gateway=envoy, and refuses anything else naming what is allowed', () => {
    expect(parseComponents('gateway=envoy')).toEqual({ gateway: 'envoy' });
    expect(parseComponents(' gateway=envoy , ')).toEqual({ gateway: 'envoy' });
    for (const bad of ['gateway=haproxy', 'kube-proxy=iptables', 'gateway', 'gateway=envoy=1', ''])
      expect(() => parseComponents(bad), bad).toThrow(
        new InvalidArgumentError(
          bad ? `"${bad}" cannot be swapped (allowed: gateway=envoy)` : 'give at least one component=real pair (allowed: gateway=envoy)',
        ),
      );
    expect(() => parseComponents('gateway=envoy,gateway=envoy')).toThrow(new InvalidArgumentError('component "gateway" given twice'));
  });

  it('a bad value is one line and exit 2 in every command that takes it; nothing runs', async () => {
    for (const script of ['scenario', 'gate', 'calibrate']) {
      const res = await cli(script, 'hot-client', '--components', 'gateway=haproxy');
      expect(res.exitCode, `${script}: ${res.stderr}`).toBe(2);
      expect(res.stderr.trim().split('\n'), script).toEqual([expect.stringMatching(/"gateway=haproxy" cannot be swapped \(allowed: gateway=envoy\)$/)]);
    }
  }, 60_000);

  it('is for the local target only: the others refuse it with exit 2', async () => {
    const res = await cli('scenario', 'hot-client', '--target', 'binary', '--components', 'gateway=envoy');
    expect(res.exitCode).toBe(2);
    expect(res.stderr.trim()).toBe('--components is for --target local (the simulator with one real component); the binary target runs its own components');
  }, 30_000);

  it('the swapped target says what runs and refuses what Envoy cannot do; the plain simulator refuses nothing', () => {
    const choiceCount3 = Scenario.parse({ name: 'c3', clients: [{ name: 'c', rate: 1 }], topology: { gateway: { choiceCount: 3 } } });
    const target = createLocalTarget({ components: { gateway: 'envoy' } });
    expect(target.components).toEqual({ gateway: expect.stringMatching(/^envoy 1\.37\.\d+$/) });
    expect(target.check(choiceCount3)).toEqual([
      "topology.gateway.choiceCount 3: an Istio DestinationRule cannot set it, so gateway=envoy runs Envoy's default of 2",
    ]);
    expect(localTarget.check(choiceCount3)).toEqual([]);
    expect(localTarget.components).toBeUndefined();
  });

  it('refuses a scenario whose Envoy pods need more inotify instances than the machine allows, saying what to run', () => {
    const shared = Scenario.parse({
      name: 'many',
      clients: [{ name: 'c', rate: 1 }],
      topology: { gateway: { pods: 4 }, neighbours: [{ name: 'n', count: 9, replicas: 1 }] },
    });
    // 4 pods × 3 EDS clusters × 10 control planes + 16 of margin = 136 > 128.
    expect(envoyGatewayCheck(shared, 128)).toEqual([
      expect.stringMatching(/need about 136 inotify instances .* is 128: raise it, e\.g\. sudo sysctl -w fs\.inotify\.max_user_instances=256/),
    ]);
    expect(envoyGatewayCheck(shared, 136)).toEqual([]);
    // Without a mode through the gateway its Envoys have no clusters to watch.
    expect(envoyGatewayCheck({ ...shared, modes: ['direct', 'goaway'] }, 128)).toEqual([]);
  });
});
