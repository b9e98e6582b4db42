import { describe, expect, it } from 'vitest';
import { moverJob, moverSecret, MOVER_LABEL, type MoverJobInput } from '../../../lib/volumes/job-manifest.js';
import { moverScript, shellQuote, storageFlags, snapshotCreateArgs } from '../../../lib/volumes/kopia-script.js';
import { repositoryLocation } from '../../../lib/volumes/kube-job-mover.js';

const base: MoverJobInput = {
  name: 'ferry-mover-backup-1', namespace: 'app', claim: 'www-web-0', image: 'ferry.local/mover:1', script: 'true',
  secretName: 'ferry-mover-backup-1', operation: 'backup', deadlineSeconds: 600,
};

type Container = { securityContext: Record<string, unknown>; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[]; envFrom: unknown[] };
const podSpec = (job: ReturnType<typeof moverJob>) => (job.spec as { template: { spec: Record<string, unknown> & { containers: Container[] } } }).template.spec;

describe('moverJob', () => {
  it.each([
    ['a backup mounts the claim read-only and may only read every file', 'backup' as const, true, ['DAC_READ_SEARCH']],
    ['a restore mounts the claim writable and may set owners and modes', 'restore' as const, false, ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID']],
  ])('%s', (_name, operation, readOnly, capabilities) => {
    const spec = podSpec(moverJob({ ...base, operation }));
    const container = spec.containers[0]!;
    expect(container.volumeMounts).toContainEqual({ name: 'claim', mountPath: '/claims/www-web-0', readOnly });
    expect(spec.volumes).toContainEqual({ name: 'claim', persistentVolumeClaim: { claimName: 'www-web-0', readOnly } });
    expect(container.securityContext).toEqual({
      readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: capabilities },
    });
  });

  it('runs as the given user without added capabilities, non-root when the user is not 0', () => {
    const spec = podSpec(moverJob({ ...base, runAsUser: 1000 }));
    expect(spec.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true });
    expect(spec.containers[0]!.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  it('is never retried, has its deadline, takes no service account token and shares the node\'s network only when asked', () => {
    const job = moverJob(base);
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600 });
    expect(podSpec(job)).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false });
    expect(podSpec(job).hostNetwork).toBeUndefined();
    expect(podSpec(moverJob({ ...base, hostNetwork: true })).hostNetwork).toBe(true);
    expect(job.metadata.labels).toEqual({ [MOVER_LABEL]: 'ferry-mover-backup-1', 'velero.io/exclude-from-backup': 'true' });
  });

  it('keeps the Job, its pod and the Secret out of backups (Ferry\'s and Velero\'s), and carries the run\'s marks', () => {
    const annotations = { 'ferry.dev/mover-run': 'backup/b/2026-01-01T00:00:00Z' };
    const job = moverJob({ ...base, labels: { 'ferry.dev/backup': 'b' }, annotations });
    const template = (job.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
    for (const labels of [job.metadata.labels, template.metadata.labels, moverSecret('s', 'app', {}, { 'ferry.dev/backup': 'b' }).metadata.labels]) {
      expect(labels).toMatchObject({ 'ferry.dev/backup': 'b', 'velero.io/exclude-from-backup': 'true' });
    }
    expect(job.metadata.annotations).toEqual(annotations);
    expect(moverSecret('s', 'app', {}, {}, annotations).metadata.annotations).toEqual(annotations);
  });

  it('mounts a snapshot clone read-only at the claim\'s own path, so that kopia names the same source', () => {
    const spec = podSpec(moverJob({ ...base, volumeClaim: 'ferry-mover-backup-1' }));
    expect(spec.containers[0]!.volumeMounts).toContainEqual({ name: 'claim', mountPath: '/claims/www-web-0', readOnly: true });
    expect(spec.volumes).toContainEqual({ name: 'claim', persistentVolumeClaim: { claimName: 'ferry-mover-backup-1', readOnly: true } });
  });

  it('runs beside the claim\'s consumer when a node is named, anywhere otherwise', () => {
    expect(podSpec(moverJob({ ...base, node: 'node-a' })).nodeSelector).toEqual({ 'kubernetes.io/hostname': 'node-a' });
    expect(podSpec(moverJob(base)).nodeSelector).toBeUndefined();
  });

  it.each([
    ['requests half a core and 512 MiB and sets no limits by default (a BestEffort pod gets a sliver of a busy node\'s CPU)', undefined,
      { requests: { cpu: '500m', memory: '512Mi' } }],
    ['takes the requests and limits the settings give', { requests: { cpu: '2', memory: '1Gi' }, limits: { memory: '4Gi' } },
      { requests: { cpu: '2', memory: '1Gi' }, limits: { memory: '4Gi' } }],
  ])('%s', (_name, resources, expected) => {
    expect((podSpec(moverJob({ ...base, ...(resources ? { resources } : {}) })).containers[0] as unknown as { resources: object }).resources).toEqual(expected);
  });

  it('takes its environment from the Secret only', () => {
    expect(podSpec(moverJob(base)).containers[0]!.envFrom).toEqual([{ secretRef: { name: 'ferry-mover-backup-1' } }]);
    expect(moverSecret('s', 'app', { KOPIA_PASSWORD: 'p' })).toMatchObject({ kind: 'Secret', stringData: { KOPIA_PASSWORD: 'p' }, metadata: { labels: { [MOVER_LABEL]: 's' } } });
  });
});

describe('the mover script', () => {
  const location = { bucket: 'b', prefix: 'team/kopia/app/', endpoint: '127.0.0.1:7070', disableTls: true, region: 'us-east-1' };

  it.each([
    ['plain words', 'abc', "'abc'"],
    ['a single quote', "it's", `'it'"'"'s'`],
    ['shell syntax', '$(rm -rf /); `x`', "'$(rm -rf /); `x`'"],
  ])('quotes %s', (_name, word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });

  it.each([
    ['a local S3 server over HTTP', { bucket: 'b', endpoint: 'http://127.0.0.1:7070', region: 'us-east-1' },
      ['--bucket=b', '--prefix=p/', '--endpoint=127.0.0.1:7070', '--disable-tls', '--region=us-east-1']],
    ['an HTTPS endpoint', { bucket: 'b', endpoint: 'https://s3.example.com' }, ['--bucket=b', '--prefix=p/', '--endpoint=s3.example.com']],
    ['AWS S3 itself', { bucket: 'b', region: 'eu-west-1' }, ['--bucket=b', '--prefix=p/', '--region=eu-west-1']],
  ])('reaches %s', (_name, settings, flags) => {
    expect(storageFlags(repositoryLocation(settings, 'p/'))).toEqual(flags);
  });

  it('never puts a credential or the password into the script: kopia reads them from its environment', () => {
    const script = moverScript(location, 'app', { kind: 'backup', claim: 'www-web-0', backup: 'b1' });
    expect(script).not.toMatch(/password=|access-key=|secret-access-key=|session-token=/);
  });

  it.each([
    ['a backup creates the repository the first time and reports the snapshot JSON', { kind: 'backup' as const, claim: 'c', backup: 'b1' },
      [/repository create s3/, /policy set --global --compression=zstd-fastest/, /'snapshot' 'create' '\/claims\/c' '--json' '--tags=ferry-backup:b1'/, /report "ferry-mover: ok \$\(tail -c 3500/]],
    ['a restore only connects and restores the snapshot into the claim', { kind: 'restore' as const, claim: 'c', snapshotId: 'k123' },
      [/'snapshot' 'restore' 'k123' '\/claims\/c'/, /report "ferry-mover: connect failed: \$\(err\)"; exit 3/, /'--content-cache-size-mb=0' '--content-cache-size-limit-mb=0'/]],
  ])('%s', (_name, operation, patterns) => {
    const script = moverScript(location, 'app', operation);
    for (const p of patterns) expect(script).toMatch(p);
    expect(script.includes('repository create')).toBe(operation.kind === 'backup');
  });

  it('names the snapshot source after the namespace, so that the next backup of a claim is incremental', () => {
    expect(moverScript(location, 'app', { kind: 'backup', claim: 'c', backup: 'b' })).toContain("'--override-hostname=app' '--override-username=ferry'");
    expect(snapshotCreateArgs('c', 'b')[2]).toBe('/claims/c');
  });
});
