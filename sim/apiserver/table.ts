// Server-side printing: kubectl's human output asks for `application/json;as=Table;v=v1;g=meta.k8s.io` and every
// resource of a real kube-apiserver answers with a Table (default table convertor: Name and Age, plus a few
// resource-specific columns here). Rows carry PartialObjectMetadata unless includeObject=Object. FlowSchemas and
// PriorityLevelConfigurations get the columns of kubernetes/kubernetes pkg/printers/internalversion/printers.go
// (printFlowSchema, printPriorityLevelConfiguration), FlowSchemas sorted by matching precedence then name as its
// FlowSchemaSequence does.
import type { KubeObject } from '../../scripts/core/kubeObject.ts';

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

const column = (name: string, description: string, type = 'string') => ({ name, type, format: '', description, priority: 0 });

const FLOW_SCHEMA_COLUMNS = [
  NAME,
  column('PriorityLevel', '`name` is the name of the priority level configuration being referenced Required.'),
  column(
    'MatchingPrecedence',
    '`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.',
  ),
  column(
    'DistinguisherMethod',
    '`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.',
  ),
  AGE,
  column('MissingPL', 'references a broken or non-existent PriorityLevelConfiguration'),
];

const PRIORITY_LEVEL_COLUMNS = [
  NAME,
  column('Type', '`type` indicates whether this priority level is subject to limitation on request execution.'),
  column(
    'NominalConcurrencyShares',
    '`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.',
  ),
  column('Queues', '`queues` is the number of queues for this priority level.'),
  column('HandSize', '`handSize` is a small positive number that configures the shuffle sharding of requests into queues.'),
  column('QueueLengthLimit', '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.'),
  AGE,
];

function columnsFor(kind: unknown): unknown[] {
  if (kind === 'FlowSchema') return FLOW_SCHEMA_COLUMNS;
  if (kind === 'PriorityLevelConfiguration') return PRIORITY_LEVEL_COLUMNS;
  if (kind === 'ConfigMap') return [NAME, { name: 'Data', type: 'integer', format: '', description: 'Number of data entries', priority: 0 }, AGE];
  return [NAME, AGE];
}

type Spec = Record<string, unknown> | undefined;

function flowSchemaPrecedence(object: KubeObject): number {
  return Number((object.spec as Spec)?.['matchingPrecedence'] ?? 0);
}

export function toTable(objects: KubeObject[], resourceVersion: string, includeObject: string | null, continueToken?: string): unknown {
  const kind = objects[0]?.kind;
  const rows =
    kind === 'FlowSchema'
      ? [...objects].sort((a, b) => flowSchemaPrecedence(a) - flowSchemaPrecedence(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1))
      : objects;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}) },
    columnDefinitions: columnsFor(kind),
    rows: rows.map((o) => tableRow(o, includeObject)),
  };
}

function kindCells(object: KubeObject): unknown[] {
  const spec = object.spec as Spec;
  if (object.kind === 'ConfigMap')
    return [Object.keys((object.data as object | undefined) ?? {}).length + Object.keys((object.binaryData as object | undefined) ?? {}).length];
  if (object.kind === 'FlowSchema') {
    const pl = (spec?.['priorityLevelConfiguration'] as { name?: string } | undefined)?.name ?? '';
    const method = (spec?.['distinguisherMethod'] as { type?: string } | undefined)?.type ?? '<none>';
    return [pl, flowSchemaPrecedence(object), method];
  }
  if (object.kind === 'PriorityLevelConfiguration') {
    const limited = spec?.['limited'] as { nominalConcurrencyShares?: number; limitResponse?: { queuing?: Record<string, number> } } | undefined;
    const q = limited?.limitResponse?.queuing;
    return [
      spec?.['type'] ?? '',
      limited?.nominalConcurrencyShares ?? '<none>',
      q?.['queues'] ?? '<none>',
      q?.['handSize'] ?? '<none>',
      q?.['queueLengthLimit'] ?? '<none>',
    ];
  }
  return [];
}

/** printFlowSchema's MissingPL: the status of the Dangling condition, "?" without one. */
function missingPriorityLevel(object: KubeObject): string {
  const conditions = ((object.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []) as {
    type?: string;
    status?: string;
  }[];
  return conditions.find((c) => c.type === 'Dangling')?.status ?? '?';
}

function tableRow(object: KubeObject, includeObject: string | null): unknown {
  const cells: unknown[] = [object.metadata.name, ...kindCells(object), humanAge(object.metadata.creationTimestamp)];
  if (object.kind === 'FlowSchema') cells.push(missingPriorityLevel(object));
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
