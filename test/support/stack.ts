// What integration tests need to reach the local stack: its env file, kubeconfigs, clients and log tails.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubeCluster, loadKubeConfig } from '../../lib/kube/kube-cluster.js';
import { createS3Client, S3ObjectStore, type S3Location } from '../../lib/store/s3-store.js';

/** The stack's state folder (FERRY_STACK_DIR, default <clone>/.stack). */
export function stackDir(): string {
  return process.env.FERRY_STACK_DIR ?? resolve(import.meta.dirname, '../../.stack');
}

/** The stack's env file as a record. */
export function stackEnv(): Record<string, string> {
  const text = readFileSync(join(stackDir(), 'env'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => {
    const i = l.indexOf('=');
    return [l.slice(0, i), l.slice(i + 1)];
  }));
}

/** The stack's S3 location with its credentials. */
export function stackS3Location(): S3Location {
  const env = stackEnv();
  return {
    bucket: env.FERRY_S3_BUCKET!, endpoint: env.FERRY_S3_ENDPOINT!, region: env.FERRY_S3_REGION, forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
}

/** An ObjectStore over the stack's bucket. */
export function stackStore(): S3ObjectStore {
  const location = stackS3Location();
  return new S3ObjectStore(createS3Client(location), location);
}

/** The kubeconfig path of `source` or `target`. */
export function kubeconfigPath(plane: 'source' | 'target'): string {
  return join(stackDir(), `${plane}.kubeconfig`);
}

/** A cluster port over the `source` or `target` control plane. */
export function stackCluster(plane: 'source' | 'target'): KubeCluster {
  return new KubeCluster(loadKubeConfig(kubeconfigPath(plane)));
}

/** A namespace name no other test uses. */
export function freshName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** The last lines of every stack log, for a failing test's output. */
export function stackLogTails(lines = 25): string {
  const logs = join(stackDir(), 'logs');
  if (!existsSync(logs)) return '(no stack logs)';
  return readdirSync(logs).map((f) => {
    const text = readFileSync(join(logs, f), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `--- ${f} (last ${lines} lines) ---\n${text}`;
  }).join('\n');
}
