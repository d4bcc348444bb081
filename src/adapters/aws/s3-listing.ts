import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { diffListings } from '../../core/origin.js';
import type { ListingComparison, OriginListings, OriginSnapshots } from '../../usecases/ports.js';

/**
 * Origin changes without events: each run lists the bucket under the distribution's prefix and compares
 * the ETags with the last listing kept (OriginSnapshots). Meant for buckets without S3 Event
 * Notifications to EventBridge; IAM needs `s3:ListBucket` on the bucket (ListObjectsV2 returns ETags, so
 * no GetObject or HeadObject is needed).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */

export type { ListingComparison };

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

/** OriginListings over S3 (one client per bucket region, made on first use) and the kept snapshots. */
export class S3OriginListings implements OriginListings {
  private readonly clients = new Map<string, S3Client>();

  constructor(
    private readonly snapshots: OriginSnapshots,
    private readonly clientFor: (region: string | undefined) => S3Client,
  ) {}

  compare(
    origin: { bucket: string; prefix: string; region?: string },
    now: string,
  ): Promise<ListingComparison> {
    const region = origin.region ?? '';
    let s3 = this.clients.get(region);
    if (s3 === undefined) {
      s3 = this.clientFor(origin.region);
      this.clients.set(region, s3);
    }
    return compareWithLastListing({
      s3,
      snapshots: this.snapshots,
      bucket: origin.bucket,
      prefix: origin.prefix,
      now,
    });
  }

  /** Drops the clients' kept-alive sockets. */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
