import { describe, expect, it } from 'vitest';
import { decodeEventKey, encodeEventKey, normalizeWebhookEvent, readBackupKeys } from '../../../lib/catalog/s3-event.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { loadEvent, SAMPLE } from '../../support/events.js';

const layout = new BucketLayout(SAMPLE.prefix);

describe('decodeEventKey and encodeEventKey', () => {
  it.each([
    ['ferry+backups/backups/a/velero-backup.json', 'ferry backups/backups/a/velero-backup.json'],
    ['a%2Bb/c%3Dd.json', 'a+b/c=d.json'],
    ['plain/key.json', 'plain/key.json'],
    ['caf%C3%A9/x', 'café/x'],
  ])('decodes the event key "%s" to "%s"', (encoded, key) => {
    expect(decodeEventKey(encoded)).toBe(key);
  });

  it('refuses a key that is not valid URL encoding', () => {
    expect(decodeEventKey('bad%E0%A4%Akey')).toBeUndefined();
  });

  it.each(['ferry backups/backups/a/b.json', 'a+b/c=d?.json', 'café/100%/x y+z'])('round-trips "%s" through encoding and decoding', (key) => {
    expect(decodeEventKey(encodeEventKey(key))).toBe(key);
  });

  it('encodes a space as + and a + as %2B, keeping slashes, as S3 does', () => {
    expect(encodeEventKey('team a/x+y/z.json')).toBe('team+a/x%2By/z.json');
  });
});

describe('readBackupKeys', () => {
  it('reads every record of an event, decoding keys, and names the backup of each', () => {
    const { keys, ignored } = readBackupKeys(loadEvent('s3-backup-committed'), layout, SAMPLE.bucket);
    expect(ignored).toEqual([]);
    expect(keys.map((k) => k.key)).toEqual([
      `${SAMPLE.prefix}/backups/${SAMPLE.backup}/${SAMPLE.backup}.tar.gz`,
      `${SAMPLE.prefix}/backups/${SAMPLE.backup}/velero-backup.json`,
      `${SAMPLE.prefix}/backups/${SAMPLE.backup}/ferry-manifest.json`,
    ]);
    expect(new Set(keys.map((k) => k.backup))).toEqual(new Set([SAMPLE.backup]));
  });

  it('ignores catalog and restore objects, removals and keys outside the prefix, each with a reason', () => {
    const { keys, ignored } = readBackupKeys(loadEvent('s3-objects-not-in-a-backup'), layout, SAMPLE.bucket);
    expect(keys).toEqual([]);
    expect(ignored.map((i) => i.reason)).toEqual([
      'not part of a backup (outside ferry backups/backups/<name>/)',
      'not part of a backup (outside ferry backups/backups/<name>/)',
      'a ObjectRemoved:Delete event, not ObjectCreated',
      'not part of a backup (outside ferry backups/backups/<name>/)',
    ]);
    expect(ignored[3]!.key).toBe('notes/read me first.txt');
  });

  it('ignores records of another bucket than the one the function serves', () => {
    const { keys, ignored } = readBackupKeys(loadEvent('s3-backup-committed'), layout, 'another-bucket');
    expect(keys).toEqual([]);
    expect(ignored).toHaveLength(3);
    expect(ignored[0]!.reason).toBe('in bucket ferry-local, not another-bucket');
  });

  it('ignores the test event S3 sends when a notification is configured', () => {
    const { keys, ignored } = readBackupKeys(loadEvent('s3-test-event'), layout);
    expect(keys).toEqual([]);
    expect(ignored).toEqual([{ key: '', reason: 'a s3:TestEvent event: not an S3 event notification' }]);
  });

  it('ignores a record whose key is not valid URL encoding', () => {
    const event = loadEvent<{ Records: { s3: { object: { key: string } } }[] }>('s3-backup-committed');
    event.Records[0]!.s3.object.key = 'ferry+backups/backups/x/%E0%A4%A';
    expect(readBackupKeys(event, layout).ignored).toEqual([{ key: 'ferry+backups/backups/x/%E0%A4%A', reason: 'the key is not valid URL encoding' }]);
  });
});

describe('normalizeWebhookEvent', () => {
  const webhookBody = {
    Records: [{
      eventVersion: '2.2', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventTime: '2026-11-26T19:07:29Z', eventName: 's3:ObjectCreated:Put',
      s3: { s3SchemaVersion: '1.0', configurationId: 'webhook-global', bucket: { name: 'ferry-local' }, object: { key: 'ferry backups/backups/b-1/velero-backup.json', size: 3, sequencer: '1' } },
    }],
  };

  it('turns versitygw webhook records into the shape AWS delivers: encoded keys, event names without s3:', () => {
    const event = normalizeWebhookEvent(webhookBody) as { Records: { eventName: string; s3: { object: { key: string } } }[] };
    expect(event.Records[0]!.eventName).toBe('ObjectCreated:Put');
    expect(event.Records[0]!.s3.object.key).toBe('ferry+backups/backups/b-1/velero-backup.json');
    expect(readBackupKeys(event, layout).keys).toEqual([{ bucket: 'ferry-local', key: 'ferry backups/backups/b-1/velero-backup.json', backup: 'b-1' }]);
    expect(webhookBody.Records[0]!.s3.object.key).toBe('ferry backups/backups/b-1/velero-backup.json');
  });

  it('passes versitygw\'s startup test event through, to be ignored', () => {
    const body = { Bucket: 'Test-Bucket', Event: 's3:TestEvent', Service: 'S3', Time: '2026-11-26T19:07:19Z' };
    expect(normalizeWebhookEvent(body)).toEqual(body);
  });
});
