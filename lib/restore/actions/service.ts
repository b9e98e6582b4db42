import { asRecord, asString, recordsOf } from '../json-access.js';
import type { RestoreAction } from './action.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Services: the cluster IPs belong to the source's service network, so they are cleared (headless Services
 * keep `None`); node ports are dropped so the target allocates free ones, unless preserveNodePorts is set
 * or the user wrote them explicitly (as kubectl's last-applied configuration shows). A Service asking for dual stack
 * (two ipFamilies, or ipFamilyPolicy RequireDualStack) would be refused by a single-stack target: it asks for
 * PreferDualStack with no families instead, which any target serves with the families its service CIDRs have.
 */
export const serviceAction: RestoreAction = {
  name: 'service',
  appliesTo: ['services'],
  run(copy, context) {
    const spec = asRecord(copy.spec);
    if (!spec) return;
    if (spec.clusterIP !== 'None') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    const warnings = preferDualStack(spec);
    if (context.spec.preserveNodePorts || spec.type === 'ExternalName') return { warnings };
    const explicit = explicitNodePorts(copy.metadata.annotations?.[LAST_APPLIED]);
    for (const port of recordsOf(spec.ports)) {
      if (port.nodePort !== undefined && !explicit.ports.has(portKey(port))) delete port.nodePort;
    }
    if (spec.healthCheckNodePort !== undefined && !explicit.healthCheck) delete spec.healthCheckNodePort;
    return { warnings };
  },
};

/** Turns a dual-stack request into PreferDualStack with the families left to the target (see serviceAction). */
function preferDualStack(spec: Record<string, unknown>): string[] {
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
  if (spec.ipFamilyPolicy !== 'RequireDualStack' && families.length < 2) return [];
  const asked = `ipFamilyPolicy ${String(spec.ipFamilyPolicy ?? '(unset)')}, ipFamilies [${families.join(', ')}]`;
  spec.ipFamilyPolicy = 'PreferDualStack';
  delete spec.ipFamilies;
  return [`asked for dual stack (${asked}): restored as PreferDualStack, with the IP families the target's service network has`];
}

function portKey(port: Record<string, unknown>): string {
  return asString(port.name) ?? `#${String(port.port)}`;
}

/** The ports (by name, or by number when unnamed) whose nodePort the user set, from the last-applied JSON. */
function explicitNodePorts(lastApplied: string | undefined): { ports: Set<string>; healthCheck: boolean } {
  const ports = new Set<string>();
  if (!lastApplied) return { ports, healthCheck: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(lastApplied);
  } catch {
    return { ports, healthCheck: false };
  }
  const spec = asRecord(asRecord(parsed)?.spec);
  for (const port of recordsOf(spec?.ports)) {
    if (port.nodePort !== undefined && port.nodePort !== 0) ports.add(portKey(port));
  }
  return { ports, healthCheck: spec?.healthCheckNodePort !== undefined && spec.healthCheckNodePort !== 0 };
}
