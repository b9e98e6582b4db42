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

  it('leaves ordinary text alone', () => {
    const text = 'backup web-20240102 Completed: 3 items in namespace default, secret ferry/kube read';
    expect(new Redactor().text(text)).toBe(text);
  });
});

describe('Redactor.value', () => {
  it('masks credential fields by name, walks nested objects and arrays, and does not change its input', () => {
    const input = {
      cluster: 'prod',
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'x' },
      items: [{ token: 't-1', name: 'n' }, 'Bearer zzz.yyy'],
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
      sessionToken: '',
    };
    const before = JSON.stringify(input);
    expect(new Redactor().value(input)).toEqual({
      cluster: 'prod',
      credentials: REDACTED,
      items: [{ token: REDACTED, name: 'n' }, `Bearer ${REDACTED}`],
      headers: { Authorization: REDACTED },
      sessionToken: '',
    });
    expect(JSON.stringify(input)).toBe(before);
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
