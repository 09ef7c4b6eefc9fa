// The kubelet's expansion of `$(VAR)` references in a container's command, args and env values
// (third_party/forked/golang/expansion/expand.go, used by pkg/kubelet/kuberuntime/kuberuntime_container.go): a
// reference to a defined variable is replaced by its value, `$$` is an escaped `$`, and a reference to an undefined
// variable, or a `$` not followed by `(` or `$`, is left as it is.

export function expand(input: string, variables: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += Object.hasOwn(variables, name) ? variables[name] : `$(${name})`;
      i = close;
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * A container's environment as the kubelet builds it: each `env` entry in order, each value expanded against the
 * entries before it; `valueFrom.fieldRef` of status.podIP, metadata.name and metadata.namespace are the downward API.
 */
export function containerEnvironment(
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] | undefined,
  pod: { name: string; namespace: string; ip: string },
): Record<string, string> {
  const fields: Record<string, string> = { 'status.podIP': pod.ip, 'metadata.name': pod.name, 'metadata.namespace': pod.namespace };
  const result: Record<string, string> = {};
  for (const entry of env ?? []) {
    const field = entry.valueFrom?.fieldRef?.fieldPath;
    if (field !== undefined) {
      if (!(field in fields)) throw new Error(`env ${entry.name}: fieldRef ${field} is not supported by the binary target's kubelet`);
      result[entry.name] = fields[field]!;
    } else {
      result[entry.name] = expand(entry.value ?? '', result);
    }
  }
  return result;
}
