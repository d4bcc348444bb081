import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../../src/adapters/aws/dynamodb/ensure-table.js';
import { MalformedItemError, parseStored } from '../../../../src/adapters/aws/dynamodb/items.js';
import { Keys } from '../../../../src/adapters/aws/dynamodb/keys.js';
import { openStores } from '../../../../src/adapters/aws/dynamodb/stores.js';
import { Table } from '../../../../src/adapters/aws/dynamodb/table.js';
import { previewCost } from '../../../../src/core/cost.js';
import { createRequest } from '../../../../src/core/request.js';
import { useDynalite } from '../../../support/dynalite.js';

const { request, event } = createRequest({
  id: 'INV-0000000042',
  distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
  paths: ['/index.html'],
  requester: 'U0DEV',
  channel: 'C0DEPLOY',
  createdAt: '2026-05-04T10:00:00.000Z',
  approval: { required: false, rules: [], approvers: { users: ['U0LEAD'] }, selfApproval: false },
  cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
});
const item = { ...Keys.request(request.id), version: 0, request, events: [event] };

describe('stored items parsed on read', () => {
  it('reads back a request item as written', () => {
    expect(parseStored(item)).toEqual({ request, events: [event] });
  });

  it.each([
    ['a status the request model does not have', { ...request, status: 'pending' }, 'request.status'],
    ['a queued request without its queue reason', { ...request, status: 'queued' }, 'request.queue'],
    ['paths that are not a list', { ...request, paths: '/index.html' }, 'request.paths'],
  ])('names the item and the field for %s', (_case, malformed, field) => {
    const read = () => parseStored({ ...item, request: malformed });
    expect(read).toThrow(MalformedItemError);
    expect(read).toThrow(`malformed request item REQ#${request.id} / REQUEST`);
    expect(read).toThrow(field);
  });

  describe('through the store', () => {
    const client = useDynalite();
    beforeAll(async () => {
      await ensureTable(client(), 'items-test');
    });

    it('fails a read of a malformed request naming its key, not later on a missing field', async () => {
      const table = new Table(client(), 'items-test');
      await table.put({ Item: { ...item, request: { ...request, version: 'zero' } } });
      await expect(openStores(client(), 'items-test').requests.get(request.id)).rejects.toThrow(
        /malformed request item REQ#INV-0000000042 \/ REQUEST[\s\S]*request\.version/,
      );
    });
  });
});
