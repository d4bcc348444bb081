import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  ListDistributionsCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type CloudFrontStandInOptions, startCloudFrontStandIn } from '../support/cloudfront-standin.js';

const DISTRIBUTION_ID = 'E2ABCDEF123XYZ';

async function setup(options: CloudFrontStandInOptions = {}, clientTimeoutMs?: number) {
  const standIn = await startCloudFrontStandIn(options);
  const client = new CloudFrontClient({
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting.
    ...(clientTimeoutMs
      ? { requestHandler: { requestTimeout: clientTimeoutMs, throwOnRequestTimeout: true } }
      : {}),
  });
  onTestFinished(async () => {
    client.destroy();
    await standIn.close();
  });
  return { standIn, client };
}

function create(
  client: CloudFrontClient,
  paths: string[],
  callerReference: string,
  distributionId = DISTRIBUTION_ID,
) {
  return client.send(
    new CreateInvalidationCommand({
      DistributionId: distributionId,
      InvalidationBatch: {
        CallerReference: callerReference,
        Paths: { Quantity: paths.length, Items: paths },
      },
    }),
  );
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected the call to fail');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CloudFront stand-in: create and get', () => {
  it('creates an invalidation that starts InProgress, with a Location header', async () => {
    const { standIn, client } = await setup();

    const created = await create(client, ['/index.html', '/images/*'], 'req-1');

    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.Invalidation?.Id).toMatch(/^I[A-Z0-9]{13}$/);
    expect(created.Invalidation?.Status).toBe('InProgress');
    expect(created.Invalidation?.CreateTime).toBeInstanceOf(Date);
    expect(created.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(['/index.html', '/images/*']);
    expect(created.Location).toBe(
      `${standIn.url}/2020-05-31/distribution/${DISTRIBUTION_ID}/invalidation/${created.Invalidation?.Id}`,
    );
    expect(standIn.createdCount()).toBe(1);
    expect(standIn.calls).toMatchObject([
      { operation: 'create', distributionId: DISTRIBUTION_ID, status: 201 },
    ]);
  });

  it('gets an invalidation by id, with its batch', async () => {
    const { standIn, client } = await setup();
    const created = await create(client, ['/a.css'], 'req-1');
    const id = created.Invalidation?.Id ?? '';

    const got = await client.send(new GetInvalidationCommand({ DistributionId: DISTRIBUTION_ID, Id: id }));

    expect(got.Invalidation).toMatchObject({
      Id: id,
      Status: 'InProgress',
      InvalidationBatch: { CallerReference: 'req-1', Paths: { Quantity: 1, Items: ['/a.css'] } },
    });
    expect(standIn.calls.at(-1)).toMatchObject({ operation: 'get', invalidationId: id, status: 200 });
  });

  it('reports Completed once the completion delay has passed', async () => {
    const { standIn, client } = await setup({ completeAfterMs: 50 });
    const id = (await create(client, ['/a'], 'req-1')).Invalidation?.Id ?? '';

    await sleep(80);
    const got = await client.send(new GetInvalidationCommand({ DistributionId: DISTRIBUTION_ID, Id: id }));

    expect(got.Invalidation?.Status).toBe('Completed');
    const [record] = standIn.invalidations(DISTRIBUTION_ID);
    expect(record?.status).toBe('Completed');
    expect(record?.completedAt?.getTime()).toBe((record?.createTime.getTime() ?? 0) + 50);
  });

  it('answers NoSuchInvalidation for an unknown invalidation id', async () => {
    const { client } = await setup();

    const error = await errorOf(
      client.send(new GetInvalidationCommand({ DistributionId: DISTRIBUTION_ID, Id: 'I0000000000000' })),
    );

    expect(error.name).toBe('NoSuchInvalidation');
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });

  it('keeps non-ASCII percent-encoding, & and < in paths and references through a round trip', async () => {
    const { standIn, client } = await setup();
    const path = '/caf%C3%A9/menu.html?lang=fr&size=<big>';

    const created = await create(client, [path], 'req-&-<1>');
    const got = await client.send(
      new GetInvalidationCommand({ DistributionId: DISTRIBUTION_ID, Id: created.Invalidation?.Id ?? '' }),
    );

    expect(got.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual([path]);
    expect(got.Invalidation?.InvalidationBatch?.CallerReference).toBe('req-&-<1>');
    expect(standIn.invalidations()[0]?.paths).toEqual([path]);
  });
});

describe('CloudFront stand-in: list', () => {
  it('lists newest first and pages by Marker', async () => {
    const { standIn, client } = await setup();
    const ids: string[] = [];
    for (const reference of ['req-1', 'req-2', 'req-3']) {
      ids.push((await create(client, [`/${reference}`], reference)).Invalidation?.Id ?? '');
    }
    const external = standIn.addExternal(DISTRIBUTION_ID, ['/someone-else']);

    const first = await client.send(
      new ListInvalidationsCommand({ DistributionId: DISTRIBUTION_ID, MaxItems: 2 }),
    );
    const second = await client.send(
      new ListInvalidationsCommand({
        DistributionId: DISTRIBUTION_ID,
        MaxItems: 2,
        Marker: first.InvalidationList?.NextMarker,
      }),
    );

    expect(first.InvalidationList).toMatchObject({
      IsTruncated: true,
      Quantity: 2,
      MaxItems: 2,
      NextMarker: ids[2],
    });
    expect(first.InvalidationList?.Items?.map((item) => item.Id)).toEqual([external.id, ids[2]]);
    expect(first.InvalidationList?.Items?.[0]).toEqual({
      Id: external.id,
      Status: 'InProgress',
      CreateTime: external.createTime,
    });
    expect(second.InvalidationList).toMatchObject({ IsTruncated: false, Quantity: 2, Marker: ids[2] });
    expect(second.InvalidationList?.NextMarker).toBeUndefined();
    expect(second.InvalidationList?.Items?.map((item) => item.Id)).toEqual([ids[1], ids[0]]);
    expect(standIn.createdCount()).toBe(3);
  });

  it('lists an empty distribution as an empty, untruncated page', async () => {
    const { client } = await setup();

    const listed = await client.send(new ListInvalidationsCommand({ DistributionId: DISTRIBUTION_ID }));

    expect(listed.InvalidationList).toMatchObject({ Quantity: 0, MaxItems: 100, IsTruncated: false });
    expect(listed.InvalidationList?.Items ?? []).toEqual([]);
  });
});

describe('CloudFront stand-in: ListDistributions', () => {
  it('lists the account’s distributions with their domain names and aliases, paged by Marker and MaxItems', async () => {
    const { standIn, client } = await setup({ distributions: ['ECONFIG00001'] });
    standIn.addDistribution({
      id: 'ESHOP0000001',
      domainName: 'd1shop.cloudfront.net',
      aliases: ['shop.example.com'],
    });
    standIn.addExternal('ECONFIG00001', ['/a.html'], 'console-1');
    standIn.addDistribution({ id: 'EDOCS0000001' });
    const first = await client.send(new ListDistributionsCommand({ MaxItems: 2 }));
    expect(first.DistributionList?.IsTruncated).toBe(true);
    expect(first.DistributionList?.Items?.map((d) => d.Id)).toEqual(['ECONFIG00001', 'ESHOP0000001']);
    expect(first.DistributionList?.Items?.[1]?.Aliases).toEqual({ Quantity: 1, Items: ['shop.example.com'] });
    expect(first.DistributionList?.Items?.[1]?.DomainName).toBe('d1shop.cloudfront.net');
    const second = await client.send(
      new ListDistributionsCommand({ MaxItems: 2, Marker: first.DistributionList?.NextMarker }),
    );
    expect(second.DistributionList?.IsTruncated).toBe(false);
    expect(second.DistributionList?.Items?.map((d) => d.Id)).toEqual(['EDOCS0000001']);
    // An added distribution exists for the other calls too.
    const listed = await client.send(new ListInvalidationsCommand({ DistributionId: 'ESHOP0000001' }));
    expect(listed.InvalidationList?.Quantity).toBe(0);
  });

  it('answers AccessDenied (403) to ListDistributions when told to', async () => {
    const { standIn, client } = await setup();
    standIn.inject({ operation: 'distributions', code: 'AccessDenied' });
    const error = await errorOf(client.send(new ListDistributionsCommand({})));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect((await client.send(new ListDistributionsCommand({}))).DistributionList?.Quantity).toBe(0);
  });
});

describe('CloudFront stand-in: CallerReference', () => {
  it('returns the existing invalidation when the same reference comes with the same paths', async () => {
    const { standIn, client } = await setup();
    const first = await create(client, ['/a', '/b'], 'req-1');

    const again = await create(client, ['/b', '/a'], 'req-1');

    expect(again.$metadata.httpStatusCode).toBe(201);
    expect(again.Invalidation?.Id).toBe(first.Invalidation?.Id);
    expect(standIn.createdCount()).toBe(1);
    expect(standIn.invalidations()).toHaveLength(1);
  });

  it('rejects the same reference with other paths as InvalidationBatchAlreadyExists', async () => {
    const { standIn, client } = await setup();
    await create(client, ['/a'], 'req-1');

    const error = await errorOf(create(client, ['/other'], 'req-1'));

    expect(error.name).toBe('InvalidationBatchAlreadyExists');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(standIn.createdCount()).toBe(1);
  });
});

describe('CloudFront stand-in: errors', () => {
  it.each([
    { code: 'Throttling', status: 400 },
    { code: 'AccessDenied', status: 403 },
    { code: 'TooManyInvalidationsInProgress', status: 400 },
    { code: 'ServiceUnavailable', status: 503 },
  ])('answers an injected $code so the SDK raises an error of that name', async ({ code, status }) => {
    const { standIn, client } = await setup();
    standIn.inject({ operation: 'create', code });

    const error = await errorOf(create(client, ['/a'], 'req-1'));
    const retried = await create(client, ['/a'], 'req-1');

    expect(error.name).toBe(code);
    expect(error.$metadata).toMatchObject({ httpStatusCode: status, requestId: expect.any(String) });
    expect(retried.$metadata.httpStatusCode).toBe(201);
    expect(standIn.calls.map((call) => call.errorCode)).toEqual([code, undefined]);
  });

  it('applies a fault only to its operation and distribution, as many times as asked', async () => {
    const { standIn, client } = await setup();
    standIn.inject({ operation: 'list', code: 'Throttling', times: 2, distributionId: 'EOTHER12345' });
    const list = (distributionId: string) =>
      client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));

    await create(client, ['/a'], 'req-1', 'EOTHER12345');
    await list(DISTRIBUTION_ID);
    await expect(list('EOTHER12345')).rejects.toThrow('Rate exceeded');
    await expect(list('EOTHER12345')).rejects.toThrow('Rate exceeded');
    await list('EOTHER12345');

    expect(standIn.calls.map((call) => call.status)).toEqual([201, 200, 400, 400, 200]);
  });

  it('answers NoSuchDistribution for a distribution that does not exist', async () => {
    const { client } = await setup({ distributions: [DISTRIBUTION_ID] });

    const error = await errorOf(create(client, ['/a'], 'req-1', 'EUNKNOWN1234'));

    expect(error.name).toBe('NoSuchDistribution');
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });

  it('refuses a 16th wildcard path in progress with TooManyInvalidationsInProgress', async () => {
    const { standIn, client } = await setup({ completeAfterMs: 60_000 });
    const wildcards = Array.from({ length: 15 }, (_, index) => `/dir${index}/*`);
    await create(client, wildcards, 'req-1');

    const error = await errorOf(create(client, ['/more/*'], 'req-2'));
    const plainPath = await create(client, ['/plain.html'], 'req-3');

    expect(error.name).toBe('TooManyInvalidationsInProgress');
    expect(plainPath.$metadata.httpStatusCode).toBe(201);
    expect(standIn.createdCount()).toBe(2);
  });

  it('frees the wildcard limit once the earlier invalidations complete', async () => {
    const { client } = await setup({ completeAfterMs: 40 });
    await create(
      client,
      Array.from({ length: 15 }, (_, index) => `/dir${index}/*`),
      'req-1',
    );

    await sleep(60);
    const next = await create(client, ['/more/*'], 'req-2');

    expect(next.$metadata.httpStatusCode).toBe(201);
  });

  it('accepts cache tags and refuses malformed ones as InvalidArgument', async () => {
    const { client, standIn } = await setup();
    standIn.addDistribution({ id: DISTRIBUTION_ID, cacheTagHeader: 'Cache-Tag' });
    const accepted = await create(client, ['#release-4.2', `#${'x'.repeat(255)}`, '/a.html'], 'req-tags');
    expect(accepted.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual([
      '#release-4.2',
      `#${'x'.repeat(255)}`,
      '/a.html',
    ]);
    for (const [index, tag] of ['#a,b', '#a b', '#a*', `#${'x'.repeat(256)}`, '#é', '#'].entries()) {
      expect((await errorOf(create(client, [tag], `req-bad-${index}`))).name).toBe('InvalidArgument');
    }
  });

  it('refuses cache tags as InvalidArgument on a distribution without a cache tag header', async () => {
    const { client, standIn } = await setup();
    standIn.addDistribution({ id: DISTRIBUTION_ID });
    expect((await errorOf(create(client, ['#release', '/a.html'], 'req-tags'))).name).toBe('InvalidArgument');
    expect(standIn.invalidations()).toHaveLength(0);
    await create(client, ['/a.html'], 'req-paths');
    expect(standIn.invalidations()).toHaveLength(1);
  });

  it('answers GetDistributionConfig in the shape the SDK reads: CacheTagConfig and the ETag', async () => {
    // Only the distributions added exist.
    const { client, standIn } = await setup({ distributions: [] });
    standIn.addDistribution({
      id: DISTRIBUTION_ID,
      aliases: ['www.example.com'],
      cacheTagHeader: 'Cache-Tag',
    });
    standIn.addDistribution({ id: 'E9PLAIN000001' });
    const tagged = await client.send(new GetDistributionConfigCommand({ Id: DISTRIBUTION_ID }));
    expect(tagged.DistributionConfig?.CacheTagConfig).toEqual({ HeaderName: 'Cache-Tag' });
    expect(tagged.DistributionConfig?.Aliases?.Items).toEqual(['www.example.com']);
    expect(tagged.DistributionConfig?.Enabled).toBe(true);
    expect(tagged.ETag).toMatch(/^E/);
    const plain = await client.send(new GetDistributionConfigCommand({ Id: 'E9PLAIN000001' }));
    expect(plain.DistributionConfig?.CacheTagConfig).toBeUndefined();
    expect((await errorOf(client.send(new GetDistributionConfigCommand({ Id: 'E9MISSING0001' })))).name).toBe(
      'NoSuchDistribution',
    );
    expect(standIn.calls.filter((c) => c.operation === 'config').map((c) => c.status)).toEqual([
      200, 200, 404,
    ]);
  });

  it('answers BatchTooLarge above 3000 paths and InconsistentQuantities on a wrong Quantity', async () => {
    const { client } = await setup();
    const tooMany = Array.from({ length: 3001 }, (_, index) => `/file${index}`);

    const tooLarge = await errorOf(create(client, tooMany, 'req-1'));
    const inconsistent = await errorOf(
      client.send(
        new CreateInvalidationCommand({
          DistributionId: DISTRIBUTION_ID,
          InvalidationBatch: { CallerReference: 'req-2', Paths: { Quantity: 2, Items: ['/a'] } },
        }),
      ),
    );

    expect(tooLarge.name).toBe('BatchTooLarge');
    expect(tooLarge.$metadata?.httpStatusCode).toBe(413);
    expect(inconsistent.name).toBe('InconsistentQuantities');
  });

  it('delays a call, then still performs it after the client has given up', async () => {
    const { standIn, client } = await setup({}, 100);
    standIn.inject({ operation: 'create', delayMs: 300 });

    const error = await errorOf(create(client, ['/a'], 'req-1'));
    expect(error.name).toBe('TimeoutError');
    expect(standIn.calls).toMatchObject([{ operation: 'create', status: 0 }]);

    await sleep(300);
    // As with the real service, a timed-out create may have happened: only the CallerReference makes a retry safe.
    expect(standIn.createdCount()).toBe(1);
    const retried = await create(client, ['/a'], 'req-1');
    expect(retried.Invalidation?.Id).toBe(standIn.invalidations()[0]?.id);
    expect(standIn.createdCount()).toBe(1);
  });
});
