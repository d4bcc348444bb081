import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { aws_dynamodb as dynamodb } from 'aws-cdk-lib';

/**
 * AWS::DynamoDB::Table properties from the code's own table definition (src/adapters/aws/dynamodb/schema.ts), so
 * the deployed keys and indexes are exactly those the code queries; the name is left to CloudFormation.
 * On-demand, point-in-time recovery and deletion protection on.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html
 */
export function tableProps(definition: CreateTableCommandInput): dynamodb.CfnTableProps {
  if (definition.LocalSecondaryIndexes?.length) {
    throw new Error('tableDefinition() has local secondary indexes: map them here too');
  }
  const keys = (schema: CreateTableCommandInput['KeySchema']) =>
    (schema ?? []).map((key) => ({
      attributeName: required(key.AttributeName),
      keyType: required(key.KeyType),
    }));
  return {
    billingMode: required(definition.BillingMode),
    attributeDefinitions: (definition.AttributeDefinitions ?? []).map((attribute) => ({
      attributeName: required(attribute.AttributeName),
      attributeType: required(attribute.AttributeType),
    })),
    keySchema: keys(definition.KeySchema),
    globalSecondaryIndexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
      indexName: required(index.IndexName),
      keySchema: keys(index.KeySchema),
      projection: {
        projectionType: required(index.Projection?.ProjectionType),
        ...(index.Projection?.NonKeyAttributes
          ? { nonKeyAttributes: index.Projection.NonKeyAttributes }
          : {}),
      },
    })),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtectionEnabled: true,
  };
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('tableDefinition() left out a field the stack needs');
  return value;
}
