import { describe, expect, it } from 'vitest';
import {
  classifyChanges,
  compareSequencers,
  diffListings,
  keyPrefix,
  lastEventPerKey,
  type ObjectChange,
  type OriginEvent,
  type OriginMapping,
  originProposal,
  storedSequencer,
  viewerPaths,
} from '../../src/core/origin.js';

const MAPPING: OriginMapping = {
  prefix: 'production/',
  defaultRootObject: 'index.html',
  indexDocument: 'index.html',
  errorCachingMinTtlSeconds: 10,
  settleSeconds: 60,
};

const event = (key: string, sequencer: string, kind: OriginEvent['kind'] = 'created'): OriginEvent => ({
  bucket: 'site',
  key,
  kind,
  sequencer,
  time: '2026-12-07T10:00:00Z',
  ...(kind === 'created' ? { etag: `etag-${sequencer}` } : {}),
});

describe('sequencers', () => {
  it.each([
    ['0064D3901D00059242', '0064D3901D00059243', -1],
    ['0064D3901D00059242', '0064D3901D00059242', 0],
    // A shorter one is left-padded: 'FF' is 255, less than '0100' (256), though 'FF' > '01' as text.
    ['FF', '0100', -1],
    ['0100', 'ff', 1],
    ['abc', 'ABC', 0],
  ])('orders %s against %s as %i', (a, b, order) => {
    expect(Math.sign(compareSequencers(a, b))).toBe(order);
    expect(Math.sign(storedSequencer(a).localeCompare(storedSequencer(b)))).toBe(order);
  });
});

describe('folding events', () => {
  it('keeps the last event per key, whatever the order of arrival', () => {
    const events = [event('a.html', '02'), event('a.html', '0A', 'deleted'), event('a.html', '05')];
    expect(lastEventPerKey(events)).toEqual([event('a.html', '0A', 'deleted')]);
    expect(lastEventPerKey([...events].reverse())).toEqual([event('a.html', '0A', 'deleted')]);
  });

  it('counts a key once however often its events repeat, and keeps keys of other buckets apart', () => {
    const other = { ...event('a.html', '01'), bucket: 'other' };
    const folded = lastEventPerKey([
      event('a.html', '01'),
      event('a.html', '01'),
      other,
      event('b.html', '03'),
    ]);
    expect(folded).toHaveLength(3);
    expect(folded.map((kept) => `${kept.bucket}/${kept.key}`).sort()).toEqual([
      'other/a.html',
      'site/a.html',
      'site/b.html',
    ]);
  });
});

describe('new or changed', () => {
  it('calls a created key new only when it is known not to have existed', () => {
    const snapshot = new Map([['listed.html', '"e1"']]);
    const changes = classifyChanges(
      [
        { key: 'was-deleted.html', kind: 'created', existedBefore: false },
        { key: 'was-there.html', kind: 'created', existedBefore: true },
        { key: 'listed.html', kind: 'created' },
        { key: 'unlisted.html', kind: 'created' },
        { key: 'gone.html', kind: 'deleted' },
      ],
      snapshot,
    );
    expect(changes.map(({ change }) => change)).toEqual(['new', 'changed', 'changed', 'new', 'deleted']);
  });

  it('calls every created key changed when nothing is known of before', () => {
    expect(classifyChanges([{ key: 'a.html', kind: 'created' }])).toEqual([
      { key: 'a.html', change: 'changed' },
    ]);
  });

  it('compares two listings by ETag', () => {
    const before = new Map([
      ['same', '"1"'],
      ['edited', '"1"'],
      ['removed', '"1"'],
    ]);
    const after = new Map([
      ['same', '"1"'],
      ['edited', '"2"'],
      ['added', '"1"'],
    ]);
    expect(diffListings(before, after)).toEqual([
      { key: 'edited', change: 'changed' },
      { key: 'added', change: 'new' },
      { key: 'removed', change: 'deleted' },
    ]);
  });
});

describe('keys as viewer paths', () => {
  it.each([
    ['production/about.html', ['/about.html']],
    ['production/docs/index.html', ['/docs/index.html', '/docs/']],
    ['production/index.html', ['/index.html', '/']],
    ['production/red flower.jpg', ['/red%20flower.jpg']],
    ['production/中文.html', ['/%E4%B8%AD%E6%96%87.html']],
    ['production/100%.html', ['/100%25.html']],
    ['production/star*.txt', ['/star%2A.txt']],
    ['staging/about.html', undefined],
    ['production/', undefined],
    ['productionx/about.html', undefined],
  ])('maps %s to %j', (key, paths) => {
    expect(viewerPaths(key, MAPPING)).toEqual(paths);
  });

  it('maps keys at the top of the bucket when the origin has no path', () => {
    expect(viewerPaths('index.html', { ...MAPPING, prefix: '' })).toEqual(['/index.html', '/']);
    expect(viewerPaths('a/b.css', { ...MAPPING, prefix: '/' })).toEqual(['/a/b.css']);
  });

  it.each([
    ['/production', 'production/'],
    ['production/', 'production/'],
    ['', ''],
    ['/a/b/', 'a/b/'],
  ])('reads origin path %j as key prefix %j', (originPath, prefix) => {
    expect(keyPrefix(originPath)).toBe(prefix);
  });
});

describe('the proposal', () => {
  const changes: ObjectChange[] = [
    { key: 'production/index.html', change: 'changed' },
    { key: 'production/about.html', change: 'deleted' },
    { key: 'production/new-page.html', change: 'new' },
    { key: 'production/assets/app.3f9a1c2e.js', change: 'new' },
    { key: 'production/assets/index-BxH3k9aZ.css', change: 'changed' },
    { key: 'staging/index.html', change: 'changed' },
  ];

  it('proposes changed and deleted objects, not hashed names, new objects or keys outside the prefix', () => {
    expect(originProposal(changes, MAPPING)).toEqual({
      objects: 5,
      created: 2,
      deleted: 1,
      toInvalidate: 2,
      hashed: 2,
      newLeftOut: 1,
      paths: ['/index.html', '/', '/about.html'],
    });
  });

  it('proposes new objects too when error responses are cached longer than the quiet period', () => {
    const proposal = originProposal(changes, { ...MAPPING, errorCachingMinTtlSeconds: 300 });
    expect(proposal.newLeftOut).toBe(0);
    expect(proposal.paths).toContain('/new-page.html');
    expect(proposal.toInvalidate).toBe(3);
  });

  it('lists a path once when two keys serve it', () => {
    const both = originProposal(
      [
        { key: 'production/index.html', change: 'changed' },
        { key: 'production/index.html', change: 'changed' },
      ],
      MAPPING,
    );
    expect(both.paths).toEqual(['/index.html', '/']);
  });
});
