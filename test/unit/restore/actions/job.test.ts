import { describe, expect, it } from 'vitest';
import { jobAction } from '../../../../lib/restore/actions/job.js';
import { cloneJson } from '../../../../lib/model/object.js';
import { contextWith, obj } from '../fixtures.js';

const uidLabels = { 'controller-uid': 'u1', 'batch.kubernetes.io/controller-uid': 'u1', 'job-name': 'pi', app: 'pi' };

describe('job action', () => {
  it('removes the generated selector and the controller-uid labels of the Job and its template', () => {
    const copy = cloneJson(obj('batch/v1', 'Job', 'pi', 'default', {
      spec: { selector: { matchLabels: { 'controller-uid': 'u1' } }, template: { metadata: { labels: { ...uidLabels } }, spec: {} } },
    }, { labels: { ...uidLabels } }));
    jobAction.run(copy, contextWith());
    expect(copy.spec).toEqual({ template: { metadata: { labels: { 'job-name': 'pi', app: 'pi' } }, spec: {} } });
    expect(copy.metadata.labels).toEqual({ 'job-name': 'pi', app: 'pi' });
  });

  it('keeps a manual selector, without its controller-uid labels', () => {
    const copy = cloneJson(obj('batch/v1', 'Job', 'pi', 'default', {
      spec: { manualSelector: true, selector: { matchLabels: { app: 'pi', 'controller-uid': 'u1' } }, template: { metadata: { labels: { ...uidLabels } } } },
    }));
    jobAction.run(copy, contextWith());
    expect(copy.spec).toMatchObject({ selector: { matchLabels: { app: 'pi' } } });
  });
});
