import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** A stored item as the document client returns it. */
export type Item = Record<string, unknown>;

/** A key of the table (`pk`, `sk`). */
export type Key = Record<string, unknown>;

/**
 * What a conditional write did: `written`, or `conflict` when its condition did not hold (another writer
 * got there first, or an earlier try of the same write did). A conflict is an expected outcome, not an error.
 */
export type WriteOutcome = 'written' | 'conflict';

/** A query without the table name, which the table adds. */
export type TableQuery = Omit<QueryCommandInput, 'TableName'>;

/** BatchGetItem takes at most 100 keys at a time. */
const BATCH_GET_MAX = 100;

/**
 * The one table every store shares, and the few calls they make on it. Each store states its own keys,
 * conditions and expressions; this only sends them, turning a failed condition into a `conflict`.
 */
export class Table {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** Describes the table: an answer means the table is there and reachable. */
  async describe(): Promise<void> {
    await this.documents.send(new DescribeTableCommand({ TableName: this.name }));
  }

  /** A strongly consistent read of one item. */
  async get(key: Key): Promise<Item | undefined> {
    const result = await this.documents.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }

  /** Puts an item if `ConditionExpression` holds (or always, without one). */
  put(input: Omit<PutCommandInput, 'TableName'>): Promise<WriteOutcome> {
    return conditional(this.documents.send(new PutCommand({ ...input, TableName: this.name })));
  }

  /** Updates an item if `ConditionExpression` holds (or always, without one). */
  update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<WriteOutcome> {
    return conditional(this.documents.send(new UpdateCommand({ ...input, TableName: this.name })));
  }

  /** Updates an item and returns the attributes `ReturnValues` asks for; a failed condition is a `conflict`. */
  async updateReturning(
    input: Omit<UpdateCommandInput, 'TableName'>,
  ): Promise<{ outcome: 'written'; attributes: Item } | { outcome: 'conflict' }> {
    try {
      const result = await this.documents.send(new UpdateCommand({ ...input, TableName: this.name }));
      return { outcome: 'written', attributes: result.Attributes ?? {} };
    } catch (error) {
      if (isConditionFailure(error)) return { outcome: 'conflict' };
      throw error;
    }
  }

  /** One page of a query, for callers that page themselves (a listing shown a page at a time). */
  queryPage(query: TableQuery): Promise<QueryCommandOutput> {
    return this.documents.send(new QueryCommand({ ...query, TableName: this.name }));
  }

  /** Every item a query returns, page by page. */
  async *query(query: TableQuery): AsyncIterable<Item> {
    const input: QueryCommandInput = { ...query, TableName: this.name };
    do {
      const page = await this.documents.send(new QueryCommand(input));
      yield* page.Items ?? [];
      input.ExclusiveStartKey = page.LastEvaluatedKey;
    } while (input.ExclusiveStartKey);
  }

  /**
   * The items of these keys that exist, in no particular order: 100 keys a call, and keys DynamoDB left
   * unprocessed asked for again.
   */
  async batchGet(
    keys: readonly Key[],
    options: { projection?: string; consistent?: boolean } = {},
  ): Promise<Item[]> {
    const items: Item[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_MAX) {
      let pending: Key[] | undefined = keys.slice(start, start + BATCH_GET_MAX);
      while (pending && pending.length > 0) {
        const result: BatchGetCommandOutput = await this.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.name]: {
                Keys: pending,
                ...(options.projection ? { ProjectionExpression: options.projection } : {}),
                ...(options.consistent ? { ConsistentRead: true } : {}),
              },
            },
          }),
        );
        items.push(...(result.Responses?.[this.name] ?? []));
        pending = result.UnprocessedKeys?.[this.name]?.Keys;
      }
    }
    return items;
  }
}

async function conditional(write: Promise<unknown>): Promise<WriteOutcome> {
  try {
    await write;
    return 'written';
  } catch (error) {
    if (isConditionFailure(error)) return 'conflict';
    throw error;
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
