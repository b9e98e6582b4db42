import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../lib/spec/config.js';
import { SpecError } from '../../../lib/spec/problems.js';

const SECRET = 'correct horse battery staple';

function configWith(volumeData: string): string {
  return `apiVersion: ferry.dev/v1\nkind: FerryConfig\nclusters:\n  idc: {kubeconfig: ./k}\nstorageLocations:\n  default:\n    bucket: b\n    volumeData: ${volumeData}\n`;
}

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'ferry.yaml', { PW: SECRET });
    return [];
  } catch (err) {
    return (err as SpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('storageLocations.<name>.volumeData', () => {
  it('reads the mover settings, the password from the environment', () => {
    const config = parseConfigText(configWith('{repositoryPassword: "${PW}", moverImage: "ferry.local/mover:1", moverEndpoint: "http://10.0.0.5:7070", moverHostNetwork: true, moverTimeout: 10m, moverRunAsUser: 1000}'), 'ferry.yaml', { PW: SECRET });
    expect(config.storageLocations.default!.volumeData).toEqual({
      repositoryPassword: SECRET, moverImage: 'ferry.local/mover:1', moverEndpoint: 'http://10.0.0.5:7070', moverHostNetwork: true, moverTimeoutMs: 600_000, moverRunAsUser: 1000,
    });
  });

  it('reads the movers\' resources over the defaults', () => {
    const config = parseConfigText(configWith('{repositoryPassword: "${PW}", moverImage: m, moverResources: {cpuRequest: 2, memoryLimit: 4Gi}}'), 'ferry.yaml', { PW: SECRET });
    expect(config.storageLocations.default!.volumeData?.moverResources).toEqual({ requests: { cpu: '2', memory: '512Mi' }, limits: { memory: '4Gi' } });
  });

  it('reads the movers\' role, in any partition', () => {
    const config = parseConfigText(configWith('{repositoryPassword: "${PW}", moverImage: m, moverRoleArn: "arn:aws-cn:iam::123456789012:role/ferry/mover"}'), 'ferry.yaml', { PW: SECRET });
    expect(config.storageLocations.default!.volumeData?.moverRoleArn).toBe('arn:aws-cn:iam::123456789012:role/ferry/mover');
  });

  it.each([
    ['a short password, without showing it', '{repositoryPassword: "short", moverImage: m}', 'storageLocations.default.volumeData.repositoryPassword: expected a string of at least 8 characters (its value is not shown)'],
    ['a missing image', '{repositoryPassword: "${PW}"}', 'storageLocations.default.volumeData.moverImage: expected an image name, got null'],
    ['an endpoint that is not a URL', '{repositoryPassword: "${PW}", moverImage: m, moverEndpoint: "10.0.0.5:7070"}', 'storageLocations.default.volumeData.moverEndpoint: expected an http(s) URL, got "10.0.0.5:7070"'],
    ['a timeout that is not a duration', '{repositoryPassword: "${PW}", moverImage: m, moverTimeout: soon}', 'storageLocations.default.volumeData.moverTimeout: expected a duration such as "30m", got "soon"'],
    ['an unknown field', '{repositoryPassword: "${PW}", moverImage: m, password: x}', 'storageLocations.default.volumeData.password: unknown field (expected one of repositoryPassword, moverImage, moverEndpoint, moverHostNetwork, moverTimeout, moverRunAsUser, moverRoleArn, moverResources)'],
    ['a CPU request that is not a quantity', '{repositoryPassword: "${PW}", moverImage: m, moverResources: {cpuRequest: half}}', 'storageLocations.default.volumeData.moverResources.cpuRequest: expected a Kubernetes quantity such as "500m" or "2", got "half"'],
    ['a memory limit below the default request', '{repositoryPassword: "${PW}", moverImage: m, moverResources: {memoryLimit: 256Mi}}', 'storageLocations.default.volumeData.moverResources.memoryLimit: 256Mi is less than the memory request 512Mi (the default)'],
    ['a CPU limit below the CPU request', '{repositoryPassword: "${PW}", moverImage: m, moverResources: {cpuRequest: "1.5", cpuLimit: 1000m}}', 'storageLocations.default.volumeData.moverResources.cpuLimit: 1000m is less than the cpu request 1.5'],
    ['an unknown resource field', '{repositoryPassword: "${PW}", moverImage: m, moverResources: {cpu: 1}}', 'storageLocations.default.volumeData.moverResources.cpu: unknown field (expected one of cpuRequest, memoryRequest, cpuLimit, memoryLimit)'],
    ['a mover role that is not a role ARN', '{repositoryPassword: "${PW}", moverImage: m, moverRoleArn: "arn:aws:iam::123456789012:user/ferry"}', 'storageLocations.default.volumeData.moverRoleArn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "arn:aws:iam::123456789012:user/ferry"'],
  ])('refuses %s', (_name, volumeData, problem) => {
    const problems = problemsOf(configWith(volumeData));
    expect(problems).toEqual([problem]);
    expect(problems.join('\n')).not.toContain(SECRET);
  });
});
