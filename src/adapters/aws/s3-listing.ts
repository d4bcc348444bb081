import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { diffListings, type ObjectChange } from '../../core/origin.js';
import type { OriginSnapshots } from '../../usecases/ports.js';

/**
 * Origin changes without events: each run lists the bucket under the distribution's prefix and compares
 * the ETags with the last listing kept (OriginSnapshots). Meant for buckets without S3 Event
 * Notifications to EventBridge; IAM needs `s3:ListBucket` on the bucket (ListObjectsV2 returns ETags, so
 * no GetObject or HeadObject is needed).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */

/** What one comparison found. */
export type ListingComparison =
  /**
   * no earlier listing (or none readable whole): this one is kept as the baseline, and nothing is
   * reported as changed
   */
  | { kind: 'baseline'; keys: number }
  | { kind: 'compared'; changes: ObjectChange[]; keys: number }
  /** another run saved a listing after this one read the last: that run reports the changes */
  | { kind: 'superseded' };

/** Every key under `prefix` with its ETag, page by page (1,000 keys a page, S3's most). */
export async function listEtags(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) etags.set(object.Key, object.ETag ?? '');
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return etags;
}

/**
 * Lists the bucket, compares with the last listing, and keeps this one in its place: a run that loses the
 * race to save (another run listed meanwhile) reports nothing, so a change is reported by one run only.
 */
export async function compareWithLastListing(input: {
  s3: S3Client;
  snapshots: OriginSnapshots;
  bucket: string;
  prefix: string;
  now: string;
}): Promise<ListingComparison> {
  const { s3, snapshots, bucket, prefix, now } = input;
  const last = await snapshots.read(bucket, prefix);
  const etags = await listEtags(s3, bucket, prefix);
  const saved = await snapshots.save(bucket, prefix, { etags, takenAt: now }, last?.generation);
  if (!saved) return { kind: 'superseded' };
  if (last?.etags === undefined) return { kind: 'baseline', keys: etags.size };
  return { kind: 'compared', changes: diffListings(last.etags, etags), keys: etags.size };
}
