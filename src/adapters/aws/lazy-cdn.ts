import type { Cdn } from '../../usecases/ports.js';

/**
 * A Cdn that loads its implementation on first use, so that an idle bot (and a Lambda function that
 * only answers Slack) does not carry the CloudFront SDK. A failed load is tried again on the next call.
 */
export function lazyCdn(load: () => Promise<Cdn>): Cdn {
  let loading: Promise<Cdn> | undefined;
  const cdn = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    create: async (input) => (await cdn()).create(input),
    status: async (input) => (await cdn()).status(input),
    recent: async (distributionId, tenantId) => (await cdn()).recent(distributionId, tenantId),
    describe: async (input) => (await cdn()).describe(input),
    invalidationsPage: async (distributionId, marker, tenantId) =>
      (await cdn()).invalidationsPage(distributionId, marker, tenantId),
    distributions: async () => (await cdn()).distributions(),
    distributionConfig: async (distributionId) => (await cdn()).distributionConfig(distributionId),
  };
}
