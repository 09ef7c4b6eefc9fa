// Server-side printing: kubectl's human output asks for `application/json;as=Table;v=v1;g=meta.k8s.io` and every
// resource of a real kube-apiserver answers with a Table (default table convertor: Name and Age, plus a few
// resource-specific columns here). Rows carry PartialObjectMetadata unless includeObject=Object.
import type { KubeObject } from './objects.ts';

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

const NAME = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };
const AGE = {
  name: 'Age',
  type: 'string',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

export function toTable(objects: KubeObject[], resourceVersion: string, includeObject: string | null, continueToken?: string): unknown {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}) },
    columnDefinitions: [
      NAME,
      ...(objects[0]?.kind === 'ConfigMap' ? [{ name: 'Data', type: 'integer', format: '', description: 'Number of data entries', priority: 0 }] : []),
      AGE,
    ],
    rows: objects.map((o) => tableRow(o, includeObject)),
  };
}

function tableRow(object: KubeObject, includeObject: string | null): unknown {
  const cells: unknown[] = [object.metadata.name];
  if (object.kind === 'ConfigMap')
    cells.push(Object.keys((object.data as object | undefined) ?? {}).length + Object.keys((object.binaryData as object | undefined) ?? {}).length);
  cells.push(humanAge(object.metadata.creationTimestamp));
  const embedded =
    includeObject === 'Object'
      ? object
      : includeObject === 'None'
        ? undefined
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
  return { cells, ...(embedded ? { object: embedded } : {}) };
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, simplified to the common ranges. */
export function humanAge(timestamp: string | undefined, now = Date.now()): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
