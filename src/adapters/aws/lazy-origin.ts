import type { OriginListings } from '../../usecases/ports.js';

/**
 * OriginListings that load their implementation (and the S3 SDK) on first use, as lazyCdn does for
 * CloudFront: a bot without origin buckets to list never loads it. A failed load is tried again.
 */
export function lazyOriginListings(load: () => Promise<OriginListings>): OriginListings {
  let loading: Promise<OriginListings> | undefined;
  return {
    compare: async (origin, now) => {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      return (await loading).compare(origin, now);
    },
  };
}
