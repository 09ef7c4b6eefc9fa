// Which webhook applies to a request (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules/rules.go):
// every rule field must match — operations (or "*"), apiGroups, apiVersions (or "*"), resources as
// "<resource>[/<subresource>]" where either part may be "*" ("pods" = pods only, "pods/*" = pods and its
// subresources, "*" = every resource without subresource), and scope ("*" default, "Namespaced", "Cluster").
import type { AdmissionAttributes } from '../admissionHook.ts';

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: '*' | 'Namespaced' | 'Cluster';
}

export function ruleMatches(rule: RuleWithOperations, attributes: AdmissionAttributes, namespaced: boolean): boolean {
  const oneOf = (list: string[] | undefined, value: string) => (list ?? []).some((x) => x === '*' || x === value);
  if (!oneOf(rule.operations, attributes.operation)) return false;
  if (!oneOf(rule.apiGroups, attributes.group)) return false;
  if (!oneOf(rule.apiVersions, attributes.version)) return false;
  if (!resourceMatches(rule.resources ?? [], attributes.resource, attributes.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Namespaced' && !namespaced) return false;
  if (scope === 'Cluster' && namespaced) return false;
  return true;
}

function resourceMatches(patterns: string[], resource: string, subresource: string): boolean {
  return patterns.some((pattern) => {
    const slash = pattern.indexOf('/');
    const res = slash < 0 ? pattern : pattern.slice(0, slash);
    const sub = slash < 0 ? '' : pattern.slice(slash + 1);
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
  });
}
