import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../../../lib/kube/credentials/redact.js';

describe('Redactor.text', () => {
  it.each([
    ['an Authorization header with a bearer token', 'Authorization: Bearer abc.def-ghi', 'abc.def-ghi'],
    ['an EKS token', 'token k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtd2VzdC0yLmFtYXpvbmF3cy5jb20v in a message', 'aHR0cHM6Ly9zdHMu'],
    ['a presigned URL signature and session token', 'https://sts/?X-Amz-Security-Token=FQoG%2Fabc&X-Amz-Signature=0123abcd', '0123abcd'],
    ['an AWS access key id', 'user AKIAIOSFODNN7EXAMPLE did it', 'AKIAIOSFODNN7EXAMPLE'],
    ['a kubeconfig token field', 'users:\n- name: a\n  user:\n    token: s3cr3t-token-value\n', 's3cr3t-token-value'],
    ['a kubeconfig client key', '    client-key-data: LS0tLS1CRUdJTiBSU0E=\n', 'LS0tLS1CRUdJTiBSU0E='],
    ['an env-file secret key', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG', 'wJalrXUtnFEMI/K7MDENG'],
    ['a JSON password', '{"password":"hunter22"}', 'hunter22'],
    ['a PEM private key', 'x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----\ny', 'MIIEabc'],
  ])('masks %s', (_case, input, secret) => {
    const out = new Redactor().text(input);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('masks a registered secret wherever it appears, even in a shape no pattern knows', () => {
    const r = new Redactor().add('plain-looking-value-42');
    expect(r.text('cannot use plain-looking-value-42 here; plain-looking-value-42 again')).toBe(`cannot use ${REDACTED} here; ${REDACTED} again`);
  });

  it('ignores registered values too short to be secrets, so ordinary words survive', () => {
    expect(new Redactor().add('a', 'ab12', '').text('a cab12 b')).toBe('a cab12 b');
  });

  it.each([
    'automountServiceAccountToken: true',
    'namespace db-password: 3 errors',
    'configmap app.token=on',
  ])('leaves %s alone: the key only ends like a credential key', (text) => {
    expect(new Redactor().text(text)).toBe(text);
  });

  it('leaves ordinary text alone', () => {
    const text = 'backup web-20240102 Completed: 3 items in namespace default, secret ferry/kube read';
    expect(new Redactor().text(text)).toBe(text);
  });
});

describe('Redactor.value', () => {
  it.each([
    ['the credential headers of a headers record, whatever their case',
      { headers: { Authorization: 'Basic dXNlcjpwYXNz', 'proxy-authorization': 'x', Accept: 'application/json' } },
      { headers: { Authorization: REDACTED, 'proxy-authorization': REDACTED, Accept: 'application/json' } }],
    ['the token, password and client key of a kubeconfig user, as a file spells them',
      { kind: 'Config', users: [{ name: 'admin', user: { token: 't-1', 'client-key-data': 'LS0t', username: 'admin' } }] },
      { kind: 'Config', users: [{ name: 'admin', user: { token: REDACTED, 'client-key-data': REDACTED, username: 'admin' } }] }],
    ['the flattened users of a client-node KubeConfig and an exec plugin\'s environment values',
      { clusters: [], users: [{ name: 'u', keyData: 'LS0t', exec: { command: 'aws', env: [{ name: 'AWS_PROFILE', value: 'prod' }] } }] },
      { clusters: [], users: [{ name: 'u', keyData: REDACTED, exec: { command: 'aws', env: [{ name: 'AWS_PROFILE', value: REDACTED }] } }] }],
    ['every field of an AWS credentials object but its expiration',
      { credentials: { accessKeyId: 'AKIA', secretAccessKey: 'x', sessionToken: 'y', expiration: '2030-01-01' } },
      { credentials: { accessKeyId: REDACTED, secretAccessKey: REDACTED, sessionToken: REDACTED, expiration: '2030-01-01' } }],
    ['the secret of a Secrets Manager answer',
      { ARN: 'arn:aws:secretsmanager:::secret:ferry', Name: 'ferry', SecretString: 'kubeconfig text' },
      { ARN: 'arn:aws:secretsmanager:::secret:ferry', Name: 'ferry', SecretString: REDACTED }],
    ['the data of a Kubernetes Secret and kubectl\'s applied copy of it, keeping its keys',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"pw":"aGk="}}' } }, data: { pw: 'aGk=' }, stringData: { user: 'root' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': REDACTED } }, data: { pw: REDACTED }, stringData: { user: REDACTED } }],
  ])('masks %s', (_case, input, expected) => {
    const before = JSON.stringify(input);
    expect(new Redactor().value(input)).toEqual(expected);
    expect(JSON.stringify(input)).toBe(before);
  });

  it.each([
    ['the errors of a namespace named vault-secret', { errors: { namespaces: { 'vault-secret': ['pods/db: forbidden'] } } }],
    ['counts of objects named db-password and api-key', { counts: { 'db-password': 2, 'api-key': 1, token: 3 } }],
    ['automountServiceAccountToken in a pod spec', { spec: { automountServiceAccountToken: false, serviceAccountName: 'default' } }],
    ['a field named token outside any credential context', { items: [{ token: 't-1', name: 'n' }], sessionToken: '' }],
    ['a ConfigMap with secret-looking keys (only a Secret\'s data is secret)', { kind: 'ConfigMap', data: { password: 'not-a-secret-here' } }],
    ['a users list that is not a kubeconfig', { users: [{ name: 'alice', token: 'display-name' }] }],
  ])('keeps %s as it is, since keys that only look secret-ish are data', (_case, input) => {
    expect(new Redactor().value(input)).toEqual(input);
  });

  it('still masks a registered secret value wherever it sits in a structured value', () => {
    const r = new Redactor().add('registered-token-1');
    expect(r.value({ items: [{ token: 'registered-token-1' }], note: 'sent registered-token-1' }))
      .toEqual({ items: [{ token: REDACTED }], note: `sent ${REDACTED}` });
  });

  it('turns errors into plain records with masked messages, stacks and causes', () => {
    const cause = new Error('GET failed with token: abcdef123456');
    const err = Object.assign(new Error('request with Bearer abc.def failed', { cause }), { code: 'ECONNRESET' });
    const out = new Redactor().value({ err }) as { err: Record<string, unknown> };
    expect(out.err.name).toBe('Error');
    expect(out.err.code).toBe('ECONNRESET');
    expect(out.err.message).toBe(`request with Bearer ${REDACTED} failed`);
    expect(JSON.stringify(out)).not.toContain('abcdef123456');
    expect(JSON.stringify(out)).not.toContain('abc.def');
  });

  it('survives circular references and binary data', () => {
    const a: Record<string, unknown> = { name: 'a', bytes: new Uint8Array(4) };
    a.self = a;
    expect(new Redactor().value(a)).toEqual({ name: 'a', bytes: '[4 bytes]', self: '[circular]' });
  });
});
