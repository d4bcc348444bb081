import { lazyOriginListings } from '../adapters/aws/lazy-origin.js';
import type { Config } from '../config.js';
import type { OriginListings, OriginSnapshots } from '../usecases/ports.js';
import { AWS_REQUEST_TIMEOUT_MS } from './services.js';

/**
 * Listings of origin buckets without events, through the S3 SDK loaded on the first listing. With
 * AWS_ENDPOINT_URL_S3 set (a stand-in, which the SDK then calls) keys go in the path, as such endpoints
 * expect; S3 itself takes either. Only the processes that run due work (the server, the Lambda worker) have
 * them: the Slack handler's bundle stays without the S3 SDK.
 */
export function composeOriginListings(
  config: Pick<Config, 'awsRegion'>,
  snapshots: OriginSnapshots,
): { listings: OriginListings; close(): void } {
  let loaded: { close(): void } | undefined;
  const listings = lazyOriginListings(async () => {
    const [{ S3Client }, { S3OriginListings }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('../adapters/aws/s3-listing.js'),
    ]);
    const forcePathStyle = Boolean(process.env.AWS_ENDPOINT_URL_S3);
    const made = new S3OriginListings(
      snapshots,
      (region) =>
        new S3Client({
          region: region ?? config.awsRegion ?? 'us-east-1',
          forcePathStyle,
          requestHandler: { requestTimeout: AWS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
        }),
    );
    loaded = made;
    return made;
  });
  return { listings, close: () => loaded?.close() };
}
