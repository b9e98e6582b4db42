import { describe, expect, it } from 'vitest';
import { unwrapS3Event } from '../../../lib/catalog/event-envelopes.js';
import { decodeEventKey } from '../../../lib/catalog/s3-event.js';
import { loadEvent } from '../../support/events.js';

const MANIFEST = 'ferry backups/backups/nightly-20260110080000/ferry-manifest.json';
const keysOf = (event: unknown) => unwrapS3Event(event).event.Records.map((r) => decodeEventKey(r.s3.object.key));
const sqs = (...bodies: string[]) => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, eventSource: 'aws:sqs', body })) });
const sns = (message: string) => ({ Records: [{ EventSource: 'aws:sns', Sns: { Type: 'Notification', Message: message } }] });

describe('unwrapS3Event', () => {
  const s3 = loadEvent('s3-backup-committed');
  const eventBridge = loadEvent('eventbridge-backup-committed');
  const s3Keys = keysOf(s3);

  it.each([
    ['an S3 event notification, as it is', s3, s3Keys],
    ['an S3 EventBridge event, its raw key encoded as S3 encodes keys', eventBridge, [MANIFEST]],
    ['SQS messages holding S3\'s test event, a notification, an EventBridge event and an SNS notification of one', loadEvent('sqs-backup-committed'), [...s3Keys, MANIFEST, ...s3Keys]],
    ['an SNS notification delivered to the function', sns(JSON.stringify(s3)), s3Keys],
    ['an SNS notification inside an SQS message', sqs(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(eventBridge) })), [MANIFEST]],
  ])('gives the S3 records of %s', (_case, event, keys) => {
    const out = unwrapS3Event(event);
    expect(out.recognized).toBe(true);
    expect(keysOf(event)).toEqual(keys);
  });

  it('turns an EventBridge event into the record S3 would have sent', () => {
    expect(unwrapS3Event(eventBridge).event.Records).toEqual([{
      eventSource: 'aws:s3', eventName: 'ObjectCreated:PutObject', eventTime: '2026-01-10T08:00:42Z', awsRegion: 'us-east-1',
      s3: { bucket: { name: 'ferry-local' }, object: { key: 'ferry+backups/backups/nightly-20260110080000/ferry-manifest.json', size: 1034, eTag: '6f5902ac237024bdd0c176cb93063dc4', sequencer: '0065A1C0FA1E2F3A77' } },
    }]);
  });

  it.each([
    ['S3\'s test event', loadEvent('s3-test-event'), true, /S3's s3:TestEvent/],
    ['an S3 EventBridge event that is not Object Created', { ...eventBridge, 'detail-type': 'Object Deleted' }, true, /Object Deleted event from aws\.s3/],
    ['an S3 EventBridge event without a key', { ...eventBridge, detail: { bucket: { name: 'b' } } }, true, /names no detail\.bucket\.name and detail\.object\.key/],
    ['an SQS message that is not JSON', sqs('hello'), true, /record 0 of the event: its message is not JSON/],
    ['an SQS message that is JSON but no event', sqs('{"hello":1}'), true, /the message of record 0 of the event has no Records/],
    ['a schedule\'s EventBridge event', loadEvent('expire-schedule'), false, /Scheduled Event event from aws\.events/],
    ['something else', { hello: 'world' }, false, /the event has no Records and is not an EventBridge event/],
  ])('lists what it leaves out, with why: %s', (_case, event, recognized, reason) => {
    const out = unwrapS3Event(event);
    expect(out.event.Records).toEqual([]);
    expect(out.recognized).toBe(recognized);
    expect(out.skipped.join('\n')).toMatch(reason);
  });

  it('does not follow messages nested deeper than three envelopes', () => {
    let event: unknown = s3;
    for (let i = 0; i < 4; i++) event = sqs(JSON.stringify(event));
    const out = unwrapS3Event(event);
    expect(out.event.Records).toEqual([]);
    expect(out.skipped.join('\n')).toMatch(/nested more than 3 deep/);
  });
});
