import { S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureTable } from '../../../src/adapters/aws/dynamodb/ensure-table.js';
import { DynamoDbOriginSnapshots } from '../../../src/adapters/aws/dynamodb/origin-snapshots.js';
import { Table } from '../../../src/adapters/aws/dynamodb/table.js';
import { compareWithLastListing, listEtags } from '../../../src/adapters/aws/s3-listing.js';
import { type S3StandIn, type S3StandInOptions, startS3StandIn } from '../../../src/standins/s3-standin.js';
import { useDynalite } from '../../support/dynalite.js';

const dynamoClient = useDynalite();
let snapshots: DynamoDbOriginSnapshots;

beforeAll(async () => {
  await ensureTable(dynamoClient(), 'listing');
  snapshots = new DynamoDbOriginSnapshots(new Table(dynamoClient(), 'listing'));
});

async function setup(options: S3StandInOptions = {}): Promise<{ standIn: S3StandIn; s3: S3Client }> {
  const standIn = await startS3StandIn(options);
  const s3 = new S3Client({
    endpoint: standIn.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  onTestFinished(async () => {
    s3.destroy();
    await standIn.close();
  });
  return { standIn, s3 };
}

describe('listing an origin bucket', () => {
  it('pages through more than 1,000 keys under the prefix, with their ETags', async () => {
    const { standIn, s3 } = await setup();
    for (let i = 0; i < 2345; i += 1)
      standIn.putObject('site', `production/assets/file-${i}.css`, `body ${i}`);
    standIn.putObject('site', 'staging/index.html', 'elsewhere');
    const etags = await listEtags(s3, 'site', 'production/');
    expect(etags.size).toBe(2345);
    expect(etags.get('production/assets/file-7.css')).toBe(standIn.putObject('site', 'x', 'body 7'));
    expect(standIn.calls.map((call) => call.keys)).toEqual([1000, 1000, 345]);
    expect(standIn.calls.slice(1).every((call) => call.continuationToken !== undefined)).toBe(true);
  });

  it('reads keys that need escaping in XML and in the URL', async () => {
    const { standIn, s3 } = await setup();
    const keys = ['p/a&b <c>.html', 'p/red flower+1.jpg', 'p/中文.html', 'p/"quoted".txt'];
    for (const key of keys) standIn.putObject('site', key, key);
    expect([...(await listEtags(s3, 'site', 'p/')).keys()].sort()).toEqual([...keys].sort());
  });

  it('fails as S3 refuses: a fault is an error, not an empty listing', async () => {
    const { standIn, s3 } = await setup({ beforeAnswer: async () => 'AccessDenied' });
    standIn.putObject('site', 'a.html', 'a');
    await expect(listEtags(s3, 'site', '')).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('comparing with the last listing', () => {
  it('keeps the first listing as a baseline, then reports created, changed and deleted keys', async () => {
    const { standIn, s3 } = await setup();
    const compare = (now: string) =>
      compareWithLastListing({ s3, snapshots, bucket: 'compare', prefix: 'production/', now });
    for (let i = 0; i < 1500; i += 1) standIn.putObject('compare', `production/page-${i}.html`, 'v1');
    expect(await compare('2026-12-07T10:00:00.000Z')).toEqual({ kind: 'baseline', keys: 1500 });
    standIn.putObject('compare', 'production/page-3.html', 'v2');
    standIn.putObject('compare', 'production/page-1200.html', 'v1');
    standIn.putObject('compare', 'production/new.html', 'v1');
    standIn.deleteObject('compare', 'production/page-1499.html');
    const second = await compare('2026-12-07T10:05:00.000Z');
    expect(second).toEqual({
      kind: 'compared',
      keys: 1500,
      changes: expect.arrayContaining([
        { key: 'production/page-3.html', change: 'changed' },
        { key: 'production/new.html', change: 'new' },
        { key: 'production/page-1499.html', change: 'deleted' },
      ]),
    });
    expect(second.kind === 'compared' && second.changes).toHaveLength(3);
    expect(await compare('2026-12-07T10:10:00.000Z')).toEqual({ kind: 'compared', keys: 1500, changes: [] });
  });

  it('reports the changes once when two runs compare at the same time', async () => {
    const { standIn, s3 } = await setup();
    const compare = () =>
      compareWithLastListing({ s3, snapshots, bucket: 'twice', prefix: '', now: '2026-12-07T10:00:00.000Z' });
    standIn.putObject('twice', 'a.html', 'v1');
    await compare();
    standIn.putObject('twice', 'a.html', 'v2');
    const runs = await Promise.all([compare(), compare()]);
    expect(runs.filter((run) => run.kind === 'compared')).toEqual([
      { kind: 'compared', keys: 1, changes: [{ key: 'a.html', change: 'changed' }] },
    ]);
    expect(runs.filter((run) => run.kind === 'superseded')).toHaveLength(1);
  });
});
