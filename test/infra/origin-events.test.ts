import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../support/stack.js';
import { functionId, synthesize } from './synth.js';

const polling = { firstCheckSeconds: 1, maxIntervalSeconds: 5 };

describe('the S3 events of origin buckets, routed to the worker', () => {
  it('routes Object Created and Object Deleted of exactly the origin buckets to the worker', async () => {
    const base = testConfig({ polling });
    const distributions = {
      ...(base.distributions as Record<string, unknown>),
      site: {
        id: 'ESITE00000001',
        approval: 'never',
        channels: ['C0DEPLOY01'],
        origin: { bucket: 'my-site' },
      },
      blog: {
        id: 'EBLOG00000001',
        approval: 'never',
        channels: ['C0DEPLOY01'],
        origin: { bucket: 'my-site', prefix: 'blog' },
      },
      assets: {
        id: 'EASSET0000001',
        approval: 'never',
        origin: { bucket: 'my-assets', channel: 'C0DEPLOY01' },
      },
    };
    const synth = await synthesize({ ...base, distributions }, { bundle: false });
    const worker = functionId(synth, 'Worker');
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: ['my-site', 'my-assets'] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [worker, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
    synth.template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OriginEvents'), 'Arn'] },
    });
  });

  it('makes no rule without an origin', async () => {
    const synth = await synthesize(testConfig({ polling }), { bundle: false });
    const rules = Object.values(synth.json.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((rule) => JSON.stringify(rule.Properties)).filter((p) => p.includes('aws.s3'))).toEqual(
      [],
    );
  });
});
