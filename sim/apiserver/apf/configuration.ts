// From a scenario's FlowSchema/PriorityLevelConfiguration objects to the configuration the APF controller runs
// with, modelling three upstream actors:
// - API validation (validation.ts): an invalid object would be rejected by the apiserver, so it is an error here
//   and the whole configuration is refused; two objects of one kind with the same name are an error too;
// - the bootstrap configuration producer (kubernetes/kubernetes pkg/registry/flowcontrol/rest
//   storage_flowcontrol.go + ensurer): it (re)creates the mandatory objects and keeps their spec fixed, and creates
//   the suggested ones. With base 'bootstrap' (the default) the scenario's objects are applied over the mandatory and
//   suggested objects by name, as `kubectl apply` on a fresh cluster with the auto-update annotation set to "false";
//   with base 'empty' only the mandatory objects are added (a warning says so) and suggested objects exist only if
//   the scenario lists them (a simplification: the real ensurer would recreate deleted suggested objects);
// - the APF config consumer (k8s.io/apiserver pkg/util/flowcontrol/apf_controller.go, digestFlowSchemasLocked,
//   presyncFlowSchemaStatus): a FlowSchema whose priority level does not exist is ignored for classification and gets
//   the status condition Dangling=True, reason NotFound (a warning here, as the apiserver accepts such an object);
//   the others get Dangling=False, reason Found.
// Objects without a metadata.uid get the stable UID of bootstrap.ts.
import { bootstrapConfiguration, mandatoryFlowSchemas, mandatoryPriorityLevels, stableUid } from './bootstrap.ts';
import { compareFlowSchemas } from './classify.ts';
import { defaultFlowSchema, defaultPriorityLevelConfiguration } from './defaults.ts';
import { AUTO_UPDATE_ANNOTATION_KEY, FLOW_SCHEMA_CONDITION_DANGLING, type FlowSchema, type PriorityLevelConfiguration } from './types.ts';
import { formatIssue, validateFlowSchema, validatePriorityLevelConfiguration, type PathElement, type ValidationIssue } from './validation.ts';

export type ConfigurationKind = 'FlowSchema' | 'PriorityLevelConfiguration';

export interface ConfigurationIssue {
  severity: 'error' | 'warning';
  kind: ConfigurationKind;
  name: string;
  /** Index of the object in the input list it came from (undefined for objects the bootstrap added). */
  index: number | undefined;
  /** Path inside that object. */
  path: PathElement[];
  message: string;
  validation?: ValidationIssue;
}

export interface ConfigurationInput {
  flowSchemas?: readonly FlowSchema[];
  priorityLevels?: readonly PriorityLevelConfiguration[];
  /** 'bootstrap' (default): input objects override the mandatory + suggested ones by name; 'empty': input is the full list. */
  base?: 'bootstrap' | 'empty';
  kubernetesMinor?: number;
  /** lastTransitionTime of the Dangling conditions (ISO 8601); defaults to the Unix epoch. */
  now?: string;
}

export interface ResolvedConfiguration {
  /** All priority levels, defaulted. */
  priorityLevels: PriorityLevelConfiguration[];
  /** The FlowSchemas the classifier uses (non-dangling), defaulted, sorted by precedence then name, with status. */
  flowSchemas: FlowSchema[];
  /** FlowSchemas ignored because their priority level does not exist, with Dangling=True status. */
  danglingFlowSchemas: FlowSchema[];
  issues: ConfigurationIssue[];
}

export class ApfConfigurationError extends Error {
  constructor(readonly issues: ConfigurationIssue[]) {
    super(
      `invalid API Priority and Fairness configuration:\n${issues
        .filter((i) => i.severity === 'error')
        .map((i) => `  ${i.kind} ${JSON.stringify(i.name)}${i.index !== undefined ? ` (#${i.index})` : ''}: ${i.message}`)
        .join('\n')}`,
    );
    this.name = 'ApfConfigurationError';
  }
}

interface Entry<T> {
  object: T;
  index: number | undefined;
}

function withUid<T extends FlowSchema | PriorityLevelConfiguration>(kind: ConfigurationKind, object: T): T {
  if (object.metadata.uid) return object;
  return { ...object, metadata: { ...object.metadata, uid: stableUid(kind, object.metadata.name ?? '') } };
}

type ConfigurationObject = FlowSchema | PriorityLevelConfiguration;

/** The user's objects by name, validated and defaulted; an invalid or duplicate object is an error issue and left out. */
function collectInput<T extends ConfigurationObject>(
  kind: ConfigurationKind,
  objects: readonly T[],
  validate: (o: T) => ValidationIssue[],
  defaulted: (o: T) => T,
  issues: ConfigurationIssue[],
): Map<string, Entry<T>> {
  const byName = new Map<string, Entry<T>>();
  objects.forEach((object, index) => {
    const name = typeof object?.metadata?.name === 'string' ? object.metadata.name : '';
    const problems = validate(object);
    for (const v of problems) issues.push({ severity: 'error', kind, name, index, path: v.path, message: formatIssue(v), validation: v });
    if (problems.length > 0) return;
    if (byName.has(name)) {
      issues.push({ severity: 'error', kind, name, index, path: ['metadata', 'name'], message: `metadata.name: Duplicate value: ${JSON.stringify(name)}` });
      return;
    }
    byName.set(name, { object: withUid(kind, defaulted(object)), index });
  });
  return byName;
}

/** With base 'empty': a warning for each mandatory object the input lacks (kube-apiserver's config producer creates it). */
function warnMissingMandatory<T extends ConfigurationObject>(
  kind: ConfigurationKind,
  mandatory: readonly T[],
  input: Map<string, Entry<T>>,
  issues: ConfigurationIssue[],
): void {
  for (const object of mandatory) {
    if (input.has(object.metadata.name!)) continue;
    issues.push({
      severity: 'warning',
      kind,
      name: object.metadata.name!,
      index: undefined,
      path: [],
      message: `mandatory ${kind} ${JSON.stringify(object.metadata.name)} is missing; kube-apiserver's config producer creates it`,
    });
  }
}

/** A user's object replaces the base one of its name and, like a user's edit, turns auto-update off unless it says otherwise. */
function annotateOverride<T extends ConfigurationObject>(o: T): T {
  return o.metadata.annotations?.[AUTO_UPDATE_ANNOTATION_KEY] !== undefined
    ? o
    : { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [AUTO_UPDATE_ANNOTATION_KEY]: 'false' } } };
}

/** The FlowSchema with its Dangling condition: False when its PriorityLevelConfiguration exists, True (NotFound) when not. */
function withDanglingCondition(fs: FlowSchema, found: boolean, now: string): FlowSchema {
  const plName = fs.spec.priorityLevelConfiguration.name;
  const condition = found
    ? {
        type: FLOW_SCHEMA_CONDITION_DANGLING,
        status: 'False' as const,
        lastTransitionTime: now,
        reason: 'Found',
        message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(plName)} and it exists`,
      }
    : {
        type: FLOW_SCHEMA_CONDITION_DANGLING,
        status: 'True' as const,
        lastTransitionTime: now,
        reason: 'NotFound',
        message: `This FlowSchema references the PriorityLevelConfiguration object named ${JSON.stringify(plName)} but there is no such object`,
      };
  const others = (fs.status?.conditions ?? []).filter((c) => c.type !== FLOW_SCHEMA_CONDITION_DANGLING);
  return { ...fs, status: { conditions: [...others, condition] } };
}

export function resolveConfiguration(input: ConfigurationInput = {}): ResolvedConfiguration {
  const issues: ConfigurationIssue[] = [];
  const base = input.base ?? 'bootstrap';
  const boot = bootstrapConfiguration(input.kubernetesMinor !== undefined ? { kubernetesMinor: input.kubernetesMinor } : {});
  const now = input.now ?? new Date(0).toISOString().replace('.000Z', 'Z');

  const inputPLs = collectInput(
    'PriorityLevelConfiguration',
    input.priorityLevels ?? [],
    validatePriorityLevelConfiguration,
    defaultPriorityLevelConfiguration,
    issues,
  );
  const inputFSs = collectInput('FlowSchema', input.flowSchemas ?? [], validateFlowSchema, defaultFlowSchema, issues);

  const pls = new Map<string, Entry<PriorityLevelConfiguration>>();
  const fss = new Map<string, Entry<FlowSchema>>();
  const basePLs = base === 'bootstrap' ? boot.priorityLevels : mandatoryPriorityLevels();
  const baseFSs = base === 'bootstrap' ? boot.flowSchemas : mandatoryFlowSchemas();
  for (const pl of basePLs) pls.set(pl.metadata.name!, { object: pl, index: undefined });
  for (const fs of baseFSs) fss.set(fs.metadata.name!, { object: fs, index: undefined });
  if (base === 'empty') {
    warnMissingMandatory('PriorityLevelConfiguration', basePLs, inputPLs, issues);
    warnMissingMandatory('FlowSchema', baseFSs, inputFSs, issues);
  }
  for (const [name, entry] of inputPLs) pls.set(name, { ...entry, object: annotateOverride(entry.object) });
  for (const [name, entry] of inputFSs) fss.set(name, { ...entry, object: annotateOverride(entry.object) });

  const priorityLevels = [...pls.values()].map((e) => e.object);
  const flowSchemas: FlowSchema[] = [];
  const danglingFlowSchemas: FlowSchema[] = [];
  for (const { object: fs, index } of fss.values()) {
    const found = pls.has(fs.spec.priorityLevelConfiguration.name);
    const withStatus = withDanglingCondition(fs, found, now);
    if (found) flowSchemas.push(withStatus);
    else {
      danglingFlowSchemas.push(withStatus);
      issues.push({
        severity: 'warning',
        kind: 'FlowSchema',
        name: fs.metadata.name ?? '',
        index,
        path: ['spec', 'priorityLevelConfiguration', 'name'],
        message: `${withStatus.status!.conditions!.at(-1)!.message}; the FlowSchema is ignored (status Dangling=True, reason NotFound)`,
      });
    }
  }
  flowSchemas.sort(compareFlowSchemas);
  return { priorityLevels, flowSchemas, danglingFlowSchemas, issues };
}
