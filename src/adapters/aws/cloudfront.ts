import {
  type CloudFrontClient,
  CreateInvalidationCommand,
  CreateInvalidationForDistributionTenantCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  GetInvalidationForDistributionTenantCommand,
  type GetInvalidationResult,
  ListDistributionsCommand,
  ListInvalidationsCommand,
  ListInvalidationsForDistributionTenantCommand,
  type ListInvalidationsResult,
} from '@aws-sdk/client-cloudfront';
import {
  type Cdn,
  CdnError,
  type CdnErrorKind,
  type DistributionSummary,
  type InvalidationDetail,
  type InvalidationPage,
  type InvalidationStatus,
  type InvalidationSummary,
} from '../../usecases/ports.js';

/**
 * How each CloudFront error code is handled and what a person should do about it. The SDK names errors after
 * their code, also for codes it does not model (InvalidationBatchAlreadyExists, Throttling), so match on name.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html#API_CreateInvalidation_Errors
 */
const KNOWN_ERRORS: Record<string, { kind: CdnErrorKind; message: string }> = {
  AccessDenied: {
    kind: 'permanent',
    message:
      "The bot's AWS role is not allowed to invalidate this distribution: grant it cloudfront:CreateInvalidation on the distribution.",
  },
  NoSuchDistribution: {
    kind: 'permanent',
    message:
      'CloudFront has no distribution with this id in the bot’s account: check the id in the config file.',
  },
  InvalidArgument: { kind: 'permanent', message: 'CloudFront rejected the paths as invalid.' },
  BatchTooLarge: { kind: 'permanent', message: 'CloudFront refused the batch as too large.' },
  InconsistentQuantities: {
    kind: 'permanent',
    message: 'CloudFront refused the batch (inconsistent quantities).',
  },
  MissingBody: { kind: 'permanent', message: 'CloudFront refused the batch (missing body).' },
  InvalidationBatchAlreadyExists: {
    kind: 'permanent',
    message: 'CloudFront already has an invalidation with this request id and different paths.',
  },
  NoSuchInvalidation: { kind: 'permanent', message: 'CloudFront no longer knows this invalidation.' },
  // The tenant calls' answer for a tenant that does not exist (or not in the bot's account).
  EntityNotFound: {
    kind: 'permanent',
    message:
      'CloudFront has no distribution tenant with this id in the bot’s account: check the tenant in the config file.',
  },
  TooManyInvalidationsInProgress: {
    kind: 'capacity',
    message: 'CloudFront has too many invalidations in progress on this distribution; the bot will retry.',
  },
};

export class CloudFrontCdn implements Cdn {
  constructor(private readonly client: CloudFrontClient) {}

  /**
   * CreateInvalidation, or for a tenant CreateInvalidationForDistributionTenant (same batch, same answer).
   * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidationForDistributionTenant.html
   */
  async create(input: {
    distributionId: string;
    tenantId?: string;
    paths: string[];
    callerReference: string;
  }) {
    const InvalidationBatch = {
      CallerReference: input.callerReference,
      Paths: { Quantity: input.paths.length, Items: input.paths },
    };
    const tenantId = input.tenantId;
    const output = await this.call(() =>
      tenantId === undefined
        ? this.client.send(
            new CreateInvalidationCommand({ DistributionId: input.distributionId, InvalidationBatch }),
          )
        : this.client.send(
            new CreateInvalidationForDistributionTenantCommand({ Id: tenantId, InvalidationBatch }),
          ),
    );
    const invalidationId = output.Invalidation?.Id;
    if (!invalidationId)
      throw new CdnError('MalformedResponse', 'transient', 'CloudFront answered without an id.');
    return { invalidationId };
  }

  async status(input: { distributionId: string; tenantId?: string; invalidationId: string }) {
    return statusOf((await this.invalidation(input)).Invalidation?.Status);
  }

  /** The first page of ListInvalidations (newest first, up to 100): one call reports many statuses. */
  async recent(distributionId: string, tenantId?: string): Promise<InvalidationSummary[]> {
    return (await this.invalidationsPage(distributionId, undefined, tenantId)).items;
  }

  /**
   * One page of ListInvalidations (of a tenant: ListInvalidationsForDistributionTenant), newest first, up to
   * 100; CloudFront gives `NextMarker` while `IsTruncated`.
   * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
   */
  async invalidationsPage(
    distributionId: string,
    marker?: string,
    tenantId?: string,
  ): Promise<InvalidationPage> {
    const paging = { MaxItems: 100, ...(marker === undefined ? {} : { Marker: marker }) };
    const output: ListInvalidationsResult = await this.call(() =>
      tenantId === undefined
        ? this.client.send(new ListInvalidationsCommand({ DistributionId: distributionId, ...paging }))
        : this.client.send(new ListInvalidationsForDistributionTenantCommand({ Id: tenantId, ...paging })),
    );
    const list = output.InvalidationList;
    const items = (list?.Items ?? []).flatMap((item) =>
      item.Id ? [{ id: item.Id, status: statusOf(item.Status), createTime: isoOf(item.CreateTime) }] : [],
    );
    return list?.IsTruncated && list.NextMarker ? { items, nextMarker: list.NextMarker } : { items };
  }

  /**
   * Every page of ListDistributions (Marker / NextMarker while IsTruncated). The action has no
   * resource-level permission: the role needs it on `*`.
   * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListDistributions.html
   */
  async distributions(): Promise<DistributionSummary[]> {
    const found: DistributionSummary[] = [];
    let marker: string | undefined;
    do {
      const from = marker;
      const output = await this.call(() =>
        this.client.send(
          new ListDistributionsCommand({ MaxItems: 100, ...(from === undefined ? {} : { Marker: from }) }),
        ),
      );
      const list = output.DistributionList;
      for (const item of list?.Items ?? []) {
        if (!item.Id) continue;
        found.push({ id: item.Id, domainName: item.DomainName ?? '', aliases: item.Aliases?.Items ?? [] });
      }
      marker = list?.IsTruncated ? list.NextMarker : undefined;
    } while (marker);
    return found;
  }

  /**
   * GetDistributionConfig's `CacheTagConfig.HeaderName`: the response header whose values CloudFront keeps
   * as an object's cache tags; without it, `#tag` invalidations do nothing and CloudFront refuses them.
   * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistributionConfig.html
   */
  async distributionConfig(distributionId: string): Promise<{ cacheTagHeader?: string }> {
    const output = await this.call(() =>
      this.client.send(new GetDistributionConfigCommand({ Id: distributionId })),
    );
    const header = output.DistributionConfig?.CacheTagConfig?.HeaderName;
    return header ? { cacheTagHeader: header } : {};
  }

  async describe(input: {
    distributionId: string;
    tenantId?: string;
    invalidationId: string;
  }): Promise<InvalidationDetail> {
    const invalidation = (await this.invalidation(input)).Invalidation;
    return {
      id: invalidation?.Id ?? input.invalidationId,
      status: statusOf(invalidation?.Status),
      createTime: isoOf(invalidation?.CreateTime),
      callerReference: invalidation?.InvalidationBatch?.CallerReference ?? '',
      paths: invalidation?.InvalidationBatch?.Paths?.Quantity ?? 0,
    };
  }

  /** GetInvalidation, or for a tenant GetInvalidationForDistributionTenant. */
  private invalidation(input: {
    distributionId: string;
    tenantId?: string;
    invalidationId: string;
  }): Promise<GetInvalidationResult> {
    const { tenantId, invalidationId } = input;
    return this.call(() =>
      tenantId === undefined
        ? this.client.send(
            new GetInvalidationCommand({ DistributionId: input.distributionId, Id: invalidationId }),
          )
        : this.client.send(
            new GetInvalidationForDistributionTenantCommand({
              DistributionTenantId: tenantId,
              Id: invalidationId,
            }),
          ),
    );
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw classify(error);
    }
  }
}

function statusOf(status: string | undefined): InvalidationStatus {
  return status === 'Completed' ? 'Completed' : 'InProgress';
}

function isoOf(time: Date | undefined): string {
  return (time ?? new Date(0)).toISOString();
}

/** Anything not known to be permanent (throttling, 5xx, timeouts, network) is worth another try later. */
export function classify(error: unknown): CdnError {
  // Already classified where it arose: the role's credentials could not be had (account-cdn.ts).
  if (error instanceof CdnError) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  const known = KNOWN_ERRORS[name];
  if (known) return new CdnError(name, known.kind, known.message, { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new CdnError(name, 'transient', `CloudFront did not answer properly (${name}: ${detail}).`, {
    cause: error,
  });
}
