/**
 * The demo's own config: the stack's ferry.yaml plus `volumeData` for its storage location, so that the seed's
 * pages cross from source to target through the bucket. The movers use the stack's mover image (node.sh imported it
 * into both nodes), share their node's network (the S3 server listens on the machine's loopback), and a repository
 * password made once per stack folder and kept there (the kopia repositories outlive one demo run, so every run
 * must use the same password).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

/** Writes `<stackDir>/ferry-demo.yaml` and returns its path; undefined when the stack has no nodes (no mover image). */
export function writeDemoConfig(stackDir: string): string | undefined {
  const imageFile = join(stackDir, 'mover.image');
  if (!existsSync(imageFile)) return undefined;
  const passwordFile = join(stackDir, 'demo-repository-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const doc = parseDocument(readFileSync(join(stackDir, 'ferry.yaml'), 'utf8'));
  doc.setIn(['storageLocations', 'default', 'volumeData'], doc.createNode({
    repositoryPassword: readFileSync(passwordFile, 'utf8').trim(),
    moverImage: readFileSync(imageFile, 'utf8').trim(),
    moverHostNetwork: true,
    moverTimeout: '10m',
  }));
  const file = join(stackDir, 'ferry-demo.yaml');
  writeFileSync(file, doc.toString(), { mode: 0o600 });
  return file;
}
