// The binary target's kubelet rules (scripts/targets/binary/kubelet/): `$(VAR)` expansion as
// third_party/forked/golang/expansion/expand.go does it (cases from its expand_test.go), a pod's volume files written
// with the kubelet's owner and mode, and the kind target's own kube-apiserver Deployment turned into a command line
// whose file arguments point at those files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { containerEnvironment, expand } from '../../../scripts/targets/binary/kubelet/expansion.ts';
import { MountPoints } from '../../../scripts/targets/binary/kubelet/mountPoints.ts';
import { containerCommandLine, startPodProcess, type PodToRun } from '../../../scripts/targets/binary/kubelet/podProcess.ts';
import { hostPath, materializeVolumes } from '../../../scripts/targets/binary/kubelet/volumes.ts';

const itAsRoot = process.getuid?.() === 0 ? it : it.skip;
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

  it('writes each key with the kubelet mode and fsGroup, and says where each mount path is', () => {
    const dir = tempDir();
    const map = materializeVolumes(pod.spec, 'c', data, dir);
    const crt = path.join(dir, 'tls', 'tls.crt');
    expect(fs.readFileSync(crt, 'utf8')).toBe('CERT');
    const stat = fs.statSync(crt);
    expect(stat.mode & 0o777).toBe(0o440);
    expect(stat.gid).toBe(65532);
    expect(stat.uid).toBe(0);
    expect(hostPath(map, '/srv/tls/tls.key')).toBe(path.join(dir, 'tls', 'tls.key'));
    expect(hostPath(map, '/srv/tlsx')).toBe('/srv/tlsx');
    expect(map.mounts).toEqual([
      ['/srv/tls', path.join(dir, 'tls')],
      ['/var/lib/etcd', path.join(dir, 'data')],
    ]);
    expect([...map.readOnly]).toEqual(['/srv/tls']);
  });

  it('refuses a pod whose Secret does not exist (it would stay in ContainerCreating)', () => {
    expect(() => materializeVolumes(pod.spec, 'c', () => undefined, tempDir())).toThrow('Secret tls that container c mounts does not exist');
  });

  it('gives the command line: network, namespaces with the volumes mounted, user, executable, expanded arguments', () => {
    const dir = tempDir();
    const { argv, env, mountPoints } = containerCommandLine({
      pod,
      container: 'c',
      data,
      podDir: dir,
      executable: (_image, command) => ({ command: `/bin/${command[0]}`, args: [] }),
      imageUsers: () => undefined,
      enterNetwork: ['ip', 'netns', 'exec', 'pod-ns'],
    });
    expect(env.POD_IP).toBe('198.18.1.1');
    expect(mountPoints).toEqual(['/srv/tls', '/var/lib/etcd']);
    const tls = path.join(dir, 'volumes', 'tls');
    const data_ = path.join(dir, 'volumes', 'data');
    expect(argv).toEqual([
      ...['ip', 'netns', 'exec', 'pod-ns'],
      ...['unshare', '--uts', '--mount', '--propagation', 'private', '--', 'sh', '-c'],
      `mount --bind '${tls}' '/srv/tls' && mount -o remount,bind,ro '/srv/tls' && mount --bind '${data_}' '/var/lib/etcd' && hostname "$0" && exec "$@"`,
      'kube-apiserver-0',
      ...['setpriv', '--reuid=65532', '--regid=65532', '--groups=65532', '--'],
      '/bin/kube-apiserver',
      '--advertise-address=198.18.1.1',
      '--tls-cert-file=/srv/tls/tls.crt',
      '--data-dir=/var/lib/etcd',
      '--other=/srv/tlsx',
    ]);
  });

  itAsRoot('runs the container as its user, with its files at its own paths, read-only, and its pod name as hostname', async () => {
    const dir = tempDir();
    const mountPath = `/srv/apiserver-lb-kubelet-test-${process.pid}/tls`;
    const shell: PodToRun = {
      ...pod,
      spec: {
        ...pod.spec,
        containers: [
          {
            ...pod.spec.containers[0]!,
            command: ['sh', '-c', `cat ${mountPath}/tls.key; echo; id -u; id -G; hostname; touch ${mountPath}/x 2>&1 || true`],
            args: [],
            volumeMounts: [{ name: 'tls', mountPath, readOnly: true }],
          },
        ],
      },
    };
    const mountPoints = new MountPoints(path.join(dir, 'mount-points'));
    const child = startPodProcess(
      {
        pod: shell,
        container: 'c',
        data,
        podDir: dir,
        executable: (_i, command) => ({ command: '/bin/sh', args: command.slice(1) }),
        imageUsers: () => undefined,
        enterNetwork: [],
      },
      mountPoints,
    );
    const exit = await child.exited;
    mountPoints.removeAll();
    const output = fs.readFileSync(path.join(dir, 'c.log'), 'utf8').trim().split('\n');
    expect(exit.code, output.join('\n')).toBe(0);
    expect(output.slice(0, 4)).toEqual(['KEY', '65532', '65532', 'kube-apiserver-0']);
    expect(output[4]).toMatch(/Read-only file system/);
    expect(fs.existsSync(path.dirname(mountPath))).toBe(false);
  });
});

describe('mount points', () => {
  it('are left for the last run alive: another run may start a process on them next', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mount-points-'));
    const registry = path.join(root, 'registry');
    const target = path.join(root, 'srv', 'kubernetes', 'ca-client');
    const other = path.join(root, 'var', 'run', 'secrets');
    // A first run creates both and ends while the second is alive: it leaves them.
    const first = new MountPoints(registry);
    first.ensure([target, other]);
    first.removeAll(() => true);
    expect([fs.existsSync(target), fs.existsSync(other)]).toEqual([true, true]);
    // The second run found them there (it created none of them), and ends last: it removes what the first one noted.
    const last = new MountPoints(registry);
    last.ensure([target]);
    last.removeAll(() => false);
    expect([fs.existsSync(path.join(root, 'srv')), fs.existsSync(path.join(root, 'var'))]).toEqual([false, false]);
    expect(fs.existsSync(registry)).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('otherRunsAlive sees a live run of another owner and ignores its own and dead ones', async () => {
    const { newRunId, otherRunsAlive, nodeNamespaceName } = await import('../../../scripts/targets/binary/network/runNames.ts');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netns-'));
    const own = newRunId();
    fs.writeFileSync(path.join(dir, nodeNamespaceName(own)), '');
    fs.writeFileSync(path.join(dir, nodeNamespaceName('999999-zzzz-abcd')), '');
    expect(otherRunsAlive(own, dir)).toBe(false);
    // Another run owned by this test's parent process (alive, another start time and pid).
    fs.writeFileSync(path.join(dir, nodeNamespaceName(newRunId(process.ppid))), '');
    expect(otherRunsAlive(own, dir)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
