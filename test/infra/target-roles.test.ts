import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetRoles } from '../../infra/lib/iam-policy.js';
import { loadPolicyFile } from '../../infra/lib/policy-file.js';
import { parsePolicyFile } from '../../src/config.js';
import { writeConfig } from '../support/bot-process.js';

const ROLE = 'arn:aws:iam::222222222222:role/invalidator';

describe('the policies to create in another account, for an alias with ids and a tenant', () => {
  const content = {
    distributions: {
      site: { ids: ['ESITEEU000001', 'ESITEUS000001'], approval: 'never', roleArn: ROLE },
      shop: { id: 'EMULTI0000001', tenant: 'dt_2abcDEF3ghi', approval: 'never', roleArn: ROLE },
      home: { id: 'EHOMEMT000001', tenant: 'dt_9zyxWVU8tsr', approval: 'never' },
    },
  };

  it('grants every id of the alias and the tenant in the role’s account, and only home tenants at home', () => {
    const policy = parsePolicyFile({ path: 'invalidator.config.yml', content });
    const [target] = targetRoles(policy, { partition: 'aws', principals: ['BOT'], reconciliation: false });
    expect(target?.distributionIds).toEqual(['ESITEEU000001', 'ESITEUS000001', 'EMULTI0000001']);
    const statements = JSON.stringify(target?.permissionsPolicy);
    expect(statements).toContain('arn:aws:cloudfront::222222222222:distribution/ESITEUS000001');
    expect(statements).toContain('arn:aws:cloudfront::222222222222:distribution-tenant/dt_2abcDEF3ghi');
    expect(statements).toContain('cloudfront:CreateInvalidationForDistributionTenant');
    const loaded = loadPolicyFile(join(writeConfig(content), 'invalidator.config.yml'));
    expect(loaded.tenantIds).toEqual(['dt_9zyxWVU8tsr']);
  });
});
