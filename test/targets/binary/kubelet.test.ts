// The binary target's kubelet rules (scripts/targets/binary/kubelet/): `$(VAR)` expansion as
// third_party/forked/golang/expansion/expand.go does it (cases from its expand_test.go), a pod's volume files written
// with the kubelet's owner and mode, and the kind target's own kube-apiserver Deployment turned into a command line
// whose file arguments point at those files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { containerEnvironment, expand } from '../../../scripts/targets/binary/kubelet/expansion.ts';
import { containerCommandLine, type PodToRun } from '../../../scripts/targets/binary/kubelet/podProcess.ts';
import { hostPath, materializeVolumes, remapArgument } from '../../../scripts/targets/binary/kubelet/volumes.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelet-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('$(VAR) expansion', () => {
  const vars = { VAR_A: 'A', VAR_B: 'B', VAR_C: 'C', VAR_REF: '$(VAR_A)', VAR_EMPTY: '' };
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$(VAR_REF)', '$(VAR_A)'],
    ['$$(VAR_B)', '$(VAR_B)'],
    ['$$$$$$(BIG_MONEY)', '$$$(BIG_MONEY)'],
    ['$(VAR_DNE)', '$(VAR_DNE)'],
    ['$(VAR_EMPTY)', ''],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['f00__(VAR_A)__', 'f00__(VAR_A)__'],
    ['$', '$'],
  ])('%s → %s', (input, output) => {
    expect(expand(input, vars)).toBe(output);
  });

  it('builds the environment in order, with the downward API fields', () => {
    const env = containerEnvironment(
      [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'URL', value: 'https://$(POD_IP):443' },
        { name: 'LATER', value: '$(AFTER)' },
        { name: 'AFTER', value: 'x' },
      ],
      { name: 'p', namespace: 'ns', ip: '198.18.1.1' },
    );
    expect(env).toEqual({ POD_IP: '198.18.1.1', URL: 'https://198.18.1.1:443', LATER: '$(AFTER)', AFTER: 'x' });
    expect(() => containerEnvironment([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }], { name: 'p', namespace: 'n', ip: '' })).toThrow(
      'env X: fieldRef spec.nodeName is not supported',
    );
  });
});

describe('volumes', () => {
  const pod: PodToRun = {
    name: 'kube-apiserver-0',
    namespace: 'shoot--a--b',
    ip: '198.18.1.1',
    spec: {
      securityContext: { fsGroup: 65532 },
      containers: [
        {
          name: 'c',
          image: 'img',
          command: ['kube-apiserver'],
          args: ['--advertise-address=$(POD_IP)', '--tls-cert-file=/srv/tls/tls.crt', '--data-dir=/var/lib/etcd', '--other=/srv/tlsx'],
          env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          securityContext: { runAsUser: 65532, runAsGroup: 65532 },
          volumeMounts: [
            { name: 'tls', mountPath: '/srv/tls', readOnly: true },
            { name: 'data', mountPath: '/var/lib/etcd' },
          ],
        },
      ],
      volumes: [
        { name: 'tls', secret: { secretName: 'tls', defaultMode: 0o400 } },
        { name: 'data', emptyDir: {} },
      ],
    },
  };
  const data = (kind: 'Secret' | 'ConfigMap', name: string) => (kind === 'Secret' && name === 'tls' ? { 'tls.crt': 'CERT', 'tls.key': 'KEY' } : undefined);

  it('writes each key with the kubelet mode and fsGroup, and remaps mount paths in arguments', () => {
    const dir = tempDir();
    const map = materializeVolumes(pod.spec, 'c', data, dir);
    const crt = path.join(dir, 'tls', 'tls.crt');
    expect(fs.readFileSync(crt, 'utf8')).toBe('CERT');
    const stat = fs.statSync(crt);
    expect(stat.mode & 0o777).toBe(0o440);
    expect(stat.gid).toBe(65532);
    expect(stat.uid).toBe(0);
    expect(hostPath(map, '/srv/tls/tls.key')).toBe(path.join(dir, 'tls', 'tls.key'));
    expect(remapArgument(map, '--tls-cert-file=/srv/tls/tls.crt')).toBe(`--tls-cert-file=${crt}`);
    expect(remapArgument(map, '--data-dir=/var/lib/etcd')).toBe(`--data-dir=${path.join(dir, 'data')}`);
    expect(remapArgument(map, '--other=/srv/tlsx')).toBe('--other=/srv/tlsx');
  });

  it('refuses a pod whose Secret does not exist (it would stay in ContainerCreating)', () => {
    expect(() => materializeVolumes(pod.spec, 'c', () => undefined, tempDir())).toThrow('Secret tls that container c mounts does not exist');
  });

  it('gives the command line: network, hostname, user, executable, expanded and remapped arguments', () => {
    const dir = tempDir();
    const { argv, env } = containerCommandLine({
      pod,
      container: 'c',
      data,
      podDir: dir,
      executable: (image, command) => ({ command: `/bin/${command[0]}`, args: [] }),
      imageUsers: () => undefined,
      enterNetwork: ['ip', 'netns', 'exec', 'pod-ns'],
    });
    expect(env.POD_IP).toBe('198.18.1.1');
    expect(argv).toEqual([
      'ip',
      'netns',
      'exec',
      'pod-ns',
      'unshare',
      '--uts',
      '--',
      'sh',
      '-c',
      'hostname "$0" && exec "$@"',
      'kube-apiserver-0',
      'setpriv',
      '--reuid=65532',
      '--regid=65532',
      '--groups=65532',
      '--',
      '/bin/kube-apiserver',
      '--advertise-address=198.18.1.1',
      `--tls-cert-file=${path.join(dir, 'volumes', 'tls', 'tls.crt')}`,
      `--data-dir=${path.join(dir, 'volumes', 'data')}`,
      '--other=/srv/tlsx',
    ]);
  });
});
