import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Indexes } from './keys.js';

function projection(attributes: string[] | undefined) {
  if (attributes === undefined) return { ProjectionType: 'ALL' as const };
  if (attributes.length === 0) return { ProjectionType: 'KEYS_ONLY' as const };
  return { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: attributes };
}

const index = (name: string, hash: string, range: string, projected?: string[]) => ({
  IndexName: name,
  KeySchema: [
    { AttributeName: hash, KeyType: 'HASH' as const },
    { AttributeName: range, KeyType: 'RANGE' as const },
  ],
  Projection: projection(projected),
});

/** The table definition, for the embedded store, `INVALIDATOR_CREATE_TABLE` and the CDK stack. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const attributes = [
    'pk',
    'sk',
    'duePk',
    'dueAt',
    'monthPk',
    'createdSk',
    'distPk',
    'userPk',
    'usagePk',
    'usageSk',
    'flightPk',
    'queuePk',
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      index(Indexes.due, 'duePk', 'dueAt'),
      index(Indexes.byMonth, 'monthPk', 'createdSk'),
      index(Indexes.byDistribution, 'distPk', 'createdSk'),
      index(Indexes.byRequester, 'userPk', 'createdSk'),
      index(Indexes.usage, 'usagePk', 'usageSk', ['usagePaths', 'distributionId', 'requester', 'external']),
      index(Indexes.inFlight, 'flightPk', 'createdSk'),
      index(Indexes.queue, 'queuePk', 'createdSk', [
        'queuePaths',
        'queueWildcards',
        'queueRequester',
        'queueTurn',
      ]),
    ],
  };
}
