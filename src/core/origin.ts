import { isHashedName } from './cheaper.js';
import { encodePath } from './paths.js';

/**
 * What a deploy changed in a distribution's S3 origin, and what of it edges may still hold. Changes come
 * as S3 events (created or deleted, with a per-key `sequencer`) or from comparing two ListObjectsV2
 * listings; either way they end as one ObjectChange per key, which `originProposal` turns into paths.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */

/** One S3 object event, as parsed at the boundary (adapters/aws/origin-events.ts); the key is decoded. */
export interface OriginEvent {
  bucket: string;
  key: string;
  kind: 'created' | 'deleted';
  /** orders the events of one key: the greater is the later (compareSequencers) */
  sequencer: string;
  /** the object's ETag, on `created` only */
  etag?: string;
  /** when S3 says the event happened (ISO 8601) */
  time: string;
  /**
   * whether the object existed before, when whoever saw the change knew (a listing comparison does; an
   * S3 event does not, and the store then tells from the key's earlier events)
   */
  existedBefore?: boolean;
}

/** What happened to one key over a period, by its last event. */
export interface KeyChange {
  key: string;
  kind: 'created' | 'deleted';
  /** whether the object existed before the period, when the store knew; undefined when it did not */
  existedBefore?: boolean;
  /** when its last event happened (the event's time), when the store kept it */
  at?: string;
}

/** The time of the latest of the changes' events, when any is known: the deploy's last write. */
export function lastChangeAt(changes: readonly KeyChange[]): string | undefined {
  let last: string | undefined;
  for (const { at } of changes) if (at !== undefined && (last === undefined || at > last)) last = at;
  return last;
}

/** One object's change as a proposal counts it. */
export interface ObjectChange {
  key: string;
  change: 'new' | 'changed' | 'deleted';
}

/**
 * Sequencers of different lengths compare after left-padding the shorter with zeros: S3 documents them as
 * hexadecimal values, the greater one the later event of the same key (never comparable across keys).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padStart(width, '0');
  const right = b.toUpperCase().padStart(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Sequencers are stored at this width, so the store can compare them as strings in a condition. */
export const STORED_SEQUENCER_WIDTH = 64;

/** A sequencer as the store keeps it: upper case, left-padded to STORED_SEQUENCER_WIDTH. */
export function storedSequencer(sequencer: string): string {
  return sequencer.toUpperCase().padStart(STORED_SEQUENCER_WIDTH, '0');
}

/**
 * The last event of each key of each bucket, however the events came (out of order, twice): a later
 * sequencer wins; of two with the same sequencer (a duplicate), the first seen stays.
 */
export function lastEventPerKey(events: readonly OriginEvent[]): OriginEvent[] {
  const last = new Map<string, OriginEvent>();
  for (const event of events) {
    const id = `${event.bucket}\u0000${event.key}`;
    const kept = last.get(id);
    if (kept === undefined || compareSequencers(event.sequencer, kept.sequencer) > 0) last.set(id, event);
  }
  return [...last.values()];
}

/**
 * Events alone cannot tell a new object from an overwritten one. A created key is `new` only when it is
 * known not to have existed: by the store (`existedBefore: false`, its last earlier event was a delete)
 * or, failing that, by the last listing's snapshot (the key absent from it). Anything else is `changed`.
 */
export function classifyChanges(
  changes: readonly KeyChange[],
  snapshot?: ReadonlyMap<string, string>,
): ObjectChange[] {
  return changes.map(({ key, kind, existedBefore }) => {
    if (kind === 'deleted') return { key, change: 'deleted' };
    const known = existedBefore ?? (snapshot ? snapshot.has(key) : true);
    return { key, change: known ? 'changed' : 'new' };
  });
}

/** The difference between two listings (key → ETag): keys added, keys whose ETag changed, keys gone. */
export function diffListings(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): ObjectChange[] {
  const changes: ObjectChange[] = [];
  for (const [key, etag] of after) {
    const earlier = before.get(key);
    if (earlier === undefined) changes.push({ key, change: 'new' });
    else if (earlier !== etag) changes.push({ key, change: 'changed' });
  }
  for (const key of before.keys()) if (!after.has(key)) changes.push({ key, change: 'deleted' });
  return changes;
}

/** How a distribution serves its origin's objects, for mapping keys to the paths viewers ask for. */
export interface OriginMapping {
  /** the distribution's origin path as a key prefix (`production/`, or empty); keys outside it are ignored */
  prefix: string;
  /** the distribution's default root object (`index.html`): `/` serves it too */
  defaultRootObject?: string;
  /** the index document a directory path serves (`dir/` → `dir/index.html`), as an S3 website origin does */
  indexDocument?: string;
  /** the shortest time the distribution caches an error response (a 404), CloudFront's default 10 */
  errorCachingMinTtlSeconds: number;
  /** how long writes were quiet before the proposal */
  settleSeconds: number;
}

/** The proposal for one quiet period: figures for the card and the paths to invalidate. */
export interface OriginProposal {
  /** objects changed in all, new and deleted ones included (keys outside the prefix are not counted) */
  objects: number;
  created: number;
  deleted: number;
  /** objects whose paths are proposed: those edges may hold */
  toInvalidate: number;
  /** left out because their names carry a content hash */
  hashed: number;
  /** new objects left out: no edge can hold them (no error response cached longer than the quiet period) */
  newLeftOut: number;
  /** the viewer paths to invalidate, encoded as CloudFront expects, each once */
  paths: string[];
}

/**
 * What to propose after a quiet period. New objects are left out unless the distribution caches error
 * responses longer than the quiet period: only then may an edge still hold a 404 from before the object
 * was written. Deleted and changed objects are proposed, hashed names never (a deploy renames them).
 */
export function originProposal(changes: readonly ObjectChange[], mapping: OriginMapping): OriginProposal {
  const proposal: OriginProposal = {
    objects: 0,
    created: 0,
    deleted: 0,
    toInvalidate: 0,
    hashed: 0,
    newLeftOut: 0,
    paths: [],
  };
  const paths = new Set<string>();
  const newMayBeHeld = mapping.errorCachingMinTtlSeconds > mapping.settleSeconds;
  for (const { key, change } of changes) {
    const objectPaths = viewerPaths(key, mapping);
    if (objectPaths === undefined) continue;
    proposal.objects += 1;
    if (change === 'new') proposal.created += 1;
    if (change === 'deleted') proposal.deleted += 1;
    if (objectPaths.some(isHashedName)) proposal.hashed += 1;
    else if (change === 'new' && !newMayBeHeld) proposal.newLeftOut += 1;
    else {
      proposal.toInvalidate += 1;
      for (const path of objectPaths) paths.add(path);
    }
  }
  proposal.paths = [...paths];
  return proposal;
}

/**
 * The viewer paths that serve an object: its own, and its directory's when it is that directory's index
 * document, and `/` when it is the default root object. Undefined for a key outside the prefix.
 */
export function viewerPaths(key: string, mapping: OriginMapping): string[] | undefined {
  const prefix = keyPrefix(mapping.prefix);
  if (!key.startsWith(prefix) || key.length === prefix.length) return undefined;
  const relative = key.slice(prefix.length);
  const paths = [objectPath(relative)];
  const index = mapping.indexDocument;
  if (index !== undefined && (relative === index || relative.endsWith(`/${index}`))) {
    paths.push(objectPath(relative.slice(0, relative.length - index.length)));
  }
  if (relative === mapping.defaultRootObject) paths.push('/');
  return [...new Set(paths)];
}

/** An origin path (`/production`, `production/`, ``) as the key prefix it stands for (`production/`). */
export function keyPrefix(originPath: string): string {
  const trimmed = originPath.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * A key part as a viewer path. A key is raw text, never encoded: its `%` is a percent sign and its `*` a
 * star, so both are escaped before the path normaliser encodes the rest (which keeps a valid `%XX`, and
 * would read `*` as a wildcard).
 */
function objectPath(relative: string): string {
  return encodePath(`/${relative.replace(/%/g, '%25').replace(/\*/g, '%2A')}`);
}
