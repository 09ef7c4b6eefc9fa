// Step 1 of the handler (docs/webhook.md#what-it-does): does the pod mount the generic token kubeconfig? Volumes are scanned in
// order; a plain secret volume or a projected volume's secret source whose name starts with
// `generic-token-kubeconfig` selects the pod, and the first match ends the scan. Nothing else is looked at.
import { GENERIC_TOKEN_KUBECONFIG_SECRET_PREFIX } from './constants.ts';

export interface Selection {
  selected: boolean;
  secretName?: string;
  via?: 'secret' | 'projected';
}

export function selectGenericKubeconfig(pod: unknown): Selection {
  const volumes = (pod as { spec?: { volumes?: unknown } })?.spec?.volumes;
  if (!Array.isArray(volumes)) return { selected: false };
  for (const volume of volumes) {
    if (!isObject(volume)) continue;
    const secretName = isObject(volume.secret) ? volume.secret.secretName : undefined;
    if (typeof secretName === 'string' && secretName.startsWith(GENERIC_TOKEN_KUBECONFIG_SECRET_PREFIX)) {
      return { selected: true, secretName, via: 'secret' };
    }
    const sources = isObject(volume.projected) ? volume.projected.sources : undefined;
    if (Array.isArray(sources)) {
      for (const source of sources) {
        const name = isObject(source) && isObject(source.secret) ? source.secret.name : undefined;
        if (typeof name === 'string' && name.startsWith(GENERIC_TOKEN_KUBECONFIG_SECRET_PREFIX)) {
          return { selected: true, secretName: name, via: 'projected' };
        }
      }
    }
  }
  return { selected: false };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- narrows untyped JSON for the deep reads above
function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
