import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../lib/model/object.js';
import { jobFailure, podVerdict } from '../../../lib/volumes/kube-job-mover.js';

const pod = (state: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { containerStatuses: [{ state }] } });
const job = (conditions: unknown[]): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { conditions } });

describe('podVerdict', () => {
  it.each([
    ['a container that reported done', pod({ terminated: { exitCode: 0, message: 'ferry-mover: ok {}' } }), { ok: true, text: '{}' }],
    ['a container that reported its failure', pod({ terminated: { exitCode: 3, message: 'ferry-mover: connect failed: ERROR invalid repository password' } }),
      { ok: false, step: 'connect', detail: 'ERROR invalid repository password', kind: 'wrong-password' }],
    ['a container that died without a report', pod({ terminated: { exitCode: 137, reason: 'OOMKilled', message: '' } }),
      { ok: false, step: 'container', detail: 'exited with code 137 (OOMKilled)', kind: 'failed' }],
    ['an image that cannot be pulled', pod({ waiting: { reason: 'ErrImageNeverPull', message: 'image not present' } }),
      { ok: false, step: 'start', detail: 'ErrImageNeverPull: image not present', kind: 'failed' }],
  ])('reads %s', (_name, p, expected) => {
    expect(podVerdict(p)).toEqual(expected);
  });

  it.each([
    ['a pod still being created', pod({ waiting: { reason: 'ContainerCreating' } })],
    ['a running pod', pod({ running: { startedAt: 'now' } })],
    ['a pod without a status', { apiVersion: 'v1', kind: 'Pod', metadata: {} }],
  ])('waits for %s', (_name, p) => {
    expect(podVerdict(p)).toBeUndefined();
  });
});

describe('jobFailure', () => {
  it.each([
    ['a Job past its deadline is a timeout', job([{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }]),
      { message: 'DeadlineExceeded: Job was active longer than specified deadline', timeout: true }],
    ['a Job whose pod failed is a failure', job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]),
      { message: 'BackoffLimitExceeded: Job has reached the specified backoff limit', timeout: false }],
    ['a running Job is no failure', job([]), undefined],
    ['no Job is no failure', undefined, undefined],
  ])('%s', (_name, j, expected) => {
    expect(jobFailure(j)).toEqual(expected);
  });
});
