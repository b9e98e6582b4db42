/**
 * The objects a mover runs as, built as plain data: a Secret holding the repository's credentials and password, and
 * a Job whose one pod mounts one claim (read-only for a backup) and runs the mover script. The pod runs with a
 * read-only root filesystem, no privilege escalation, and only the capabilities its operation needs: reading every
 * file of a volume whatever its owner and mode (DAC_READ_SEARCH) for a backup; writing files with their owners and
 * modes for a restore (CHOWN, DAC_OVERRIDE, FOWNER, FSETID). `runAsUser` runs it as that user instead (a volume
 * whose files that user can read).
 */
import { EXCLUDE_FROM_BACKUP_LABEL } from '../backup/never-backed-up.js';
import type { KubeObject } from '../model/object.js';
import { DEFAULT_MOVER_RESOURCES, type MoverResources } from '../spec/mover-resources.js';
import { CLAIMS_ROOT, mountPathOf, SCRATCH } from './kopia-script.js';

/** The label every mover object carries (its value: the Job's name), for finding and cleaning them up. */
export const MOVER_LABEL = 'ferry.dev/mover';

/**
 * The labels of every object of mover `name`: `extra` (the backup or restore it belongs to), MOVER_LABEL, and Velero's
 * exclude-from-backup label, so that a backup of the namespace taken meanwhile (Ferry's or Velero's) leaves out
 * another backup's Job, pod, Secret (the repository's credentials), clone claim and VolumeSnapshot.
 */
export function moverLabels(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [MOVER_LABEL]: name, [EXCLUDE_FROM_BACKUP_LABEL]: 'true' };
}

/** What one mover Job needs. */
export interface MoverJobInput {
  name: string;
  namespace: string;
  claim: string;
  /** The claim the pod mounts when it is not `claim` itself: a snapshot clone, mounted at `claim`'s path. */
  volumeClaim?: string;
  image: string;
  script: string;
  /** The Secret with the environment (credentials, password). */
  secretName: string;
  operation: 'backup' | 'restore';
  /** Seconds the Job may run before Kubernetes stops it (activeDeadlineSeconds). */
  deadlineSeconds: number;
  /** The pod shares the node's network (a local stack whose S3 server listens on the node's loopback). */
  hostNetwork?: boolean;
  /** Run as this user instead of root with a few capabilities. */
  runAsUser?: number;
  /** Run on this node (beside the claim's consumer, where a ReadWriteOnce volume is attached). */
  node?: string;
  /** Extra labels (the backup or restore it belongs to). */
  labels?: Record<string, string>;
  /** Annotations of the Job and its pod (the run it belongs to and when it may be cleaned up: mover-objects.ts). */
  annotations?: Record<string, string>;
  /** The container's requests and limits (default: DEFAULT_MOVER_RESOURCES). */
  resources?: MoverResources;
}

const CAPABILITIES = { backup: ['DAC_READ_SEARCH'], restore: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'] } as const;

/** The mover Job: one pod, never retried, with a deadline; it reports through its termination message. */
export function moverJob(input: MoverJobInput): KubeObject {
  const labels = moverLabels(input.name, input.labels);
  const asUser = input.runAsUser !== undefined;
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: input.name, namespace: input.namespace, labels, ...(input.annotations ? { annotations: input.annotations } : {}) },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.deadlineSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(input.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
          ...(input.node ? { nodeSelector: { 'kubernetes.io/hostname': input.node } } : {}),
          securityContext: asUser
            ? { runAsUser: input.runAsUser, runAsGroup: input.runAsUser, runAsNonRoot: input.runAsUser !== 0 }
            : { runAsUser: 0 },
          containers: [{
            name: 'mover',
            image: input.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/sh', '-c', input.script],
            envFrom: [{ secretRef: { name: input.secretName } }],
            env: [{ name: 'HOME', value: SCRATCH }],
            resources: resourcesOf(input.resources ?? DEFAULT_MOVER_RESOURCES),
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'FallbackToLogsOnError',
            securityContext: {
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'], ...(asUser ? {} : { add: [...CAPABILITIES[input.operation]] }) },
            },
            // NOTE: the claim's parent folder is writable (an emptyDir): kopia's restore removes a `<folder>.kopia-entry`
            // beside each folder it finishes, the claim's own root included, and fails on a read-only filesystem.
            volumeMounts: [
              { name: 'claims', mountPath: CLAIMS_ROOT },
              { name: 'claim', mountPath: mountPathOf(input.claim), readOnly: input.operation === 'backup' },
              { name: 'scratch', mountPath: '/tmp' },
            ],
          }],
          volumes: [
            { name: 'claim', persistentVolumeClaim: { claimName: input.volumeClaim ?? input.claim, readOnly: input.operation === 'backup' } },
            { name: 'scratch', emptyDir: {} },
            { name: 'claims', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** A container's `resources`, without empty parts. */
function resourcesOf(resources: MoverResources): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  if (Object.keys(resources.requests).length) out.requests = { ...resources.requests };
  if (Object.keys(resources.limits).length) out.limits = { ...resources.limits };
  return out;
}

/** The mover's Secret: the environment kopia reads its credentials and password from. */
export function moverSecret(name: string, namespace: string, env: Record<string, string>, labels: Record<string, string> = {},
  annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name, namespace, labels: moverLabels(name, labels), ...(annotations ? { annotations } : {}) },
    stringData: env,
  };
}
