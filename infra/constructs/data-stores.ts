/**
 * Everything the product keeps at rest, all under one customer-managed KMS key (rotation on): the telemetry
 * bucket (30-day lifecycle), reports and vulnerability-feed buckets, the server-access-log bucket, the
 * DynamoDB tables of functions/adapters/aws/table-design.ts plus the Powertools idempotency table, and the
 * SNS topic for run events.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { TABLES } from '../../functions/adapters/aws/table-design';

/** Telemetry is deleted this many days after it is written. */
export const TELEMETRY_RETENTION_DAYS = 30;
export const INCOMPLETE_UPLOAD_DAYS = 1;
/** SSM Run Command output (stdout/stderr of the agent) goes under this prefix of the telemetry bucket. */
export const COMMAND_OUTPUT_PREFIX = 'command-output/';

export type TableName = keyof typeof TABLES;

export interface DataStoresProps {
  /**
   * What happens to data on `cdk destroy` (default RETAIN_ON_UPDATE_OR_DELETE, CloudFormation's
   * RetainExceptOnCreate: telemetry and findings are audit evidence, kept on destroy and on replacement,
   * but a first create that rolls back deletes what it made instead of leaving orphans behind).
   */
  removalPolicy?: RemovalPolicy;
}

/** Names of the stack's CloudWatch alarms start with this (`<stack name>-`): the key policy names them so. */
export function alarmNamePrefix(stackName: string): string {
  return `${stackName}-`;
}

export class DataStores extends Construct {
  readonly key: kms.Key;
  readonly accessLogsBucket: s3.Bucket;
  readonly telemetryBucket: s3.Bucket;
  readonly reportsBucket: s3.Bucket;
  readonly feedBucket: s3.Bucket;
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly idempotencyTable: dynamodb.Table;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: DataStoresProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: 'Inspector: telemetry envelopes, buckets, tables, topic and logs',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch Logs encrypts this stack's log groups with the key (scoped to log groups of this account
    // and region by the encryption context it always sends).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        // logs.<region>.<the partition's domain>: amazonaws.com.cn in aws-cn.
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
          },
        },
      }),
    );
    // SNS delivers to the topic's subscribers.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSnsToUseTheKeyForTheTopic',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    // CloudWatch alarms publish to the encrypted topic only if the key lets cloudwatch.amazonaws.com use it
    // (SNS Developer Guide, sns-key-management, "compatibility between event sources from AWS services and
    // encrypted topics"); scoped to this stack's alarms by aws:SourceAccount and aws:SourceArn. The alarm
    // ARNs cannot be named here (alarm → topic → key would be a cycle): the alarms carry the stack's name.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToUseTheKeyForTheTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${alarmNamePrefix(stack.stackName)}*`,
          },
        },
      }),
    );

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 only, not SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(365) },
        {
          id: 'abort-incomplete-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS),
        },
      ],
      removalPolicy,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The AccessLogsBucket is the server-access-log destination of the telemetry, reports and feed buckets; logging it into itself would loop.',
    });

    const secureBucket = (id: string, logPrefix: string, lifecycleRules: s3.LifecycleRule[]): s3.Bucket =>
      new s3.Bucket(this, id, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: logPrefix,
        lifecycleRules: [
          ...lifecycleRules,
          {
            id: 'abort-incomplete-uploads',
            abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS),
          },
        ],
        removalPolicy,
      });

    this.telemetryBucket = secureBucket('TelemetryBucket', 'telemetry-bucket/', [
      { id: 'expire-telemetry', expiration: Duration.days(TELEMETRY_RETENTION_DAYS) },
    ]);
    this.reportsBucket = secureBucket('ReportsBucket', 'reports-bucket/', []);
    this.feedBucket = secureBucket('FeedBucket', 'feed-bucket/', []);

    const table = (id: string, partitionKey: string, sortKey?: string, ttl?: string): dynamodb.Table =>
      new dynamodb.Table(this, id, {
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        ...(sortKey ? { sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        ...(ttl ? { timeToLiveAttribute: ttl } : {}),
        removalPolicy,
      });

    const targets = table('TargetsTable', TABLES.targets.partitionKey);
    const templates = table('TemplatesTable', TABLES.templates.partitionKey);
    const runs = table('RunsTable', TABLES.runs.partitionKey, TABLES.runs.sortKey);
    for (const index of Object.values(TABLES.runs.indexes)) {
      runs.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    const findings = table('FindingsTable', TABLES.findings.partitionKey, TABLES.findings.sortKey);
    for (const index of Object.values(TABLES.findings.indexes)) {
      findings.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    const locks = table('LocksTable', TABLES.locks.partitionKey, undefined, TABLES.locks.ttlAttribute);
    const suppressions = table(
      'SuppressionsTable',
      TABLES.suppressions.partitionKey,
      TABLES.suppressions.sortKey,
    );
    this.tables = { targets, templates, runs, findings, locks, suppressions };
    // Powertools idempotency: key `id`, TTL `expiration` (the library's defaults).
    this.idempotencyTable = table('IdempotencyTable', 'id', undefined, 'expiration');

    this.topic = new sns.Topic(this, 'RunEventsTopic', {
      displayName: 'Inspector assessment run events',
      masterKey: this.key,
      enforceSSL: true,
    });
  }
}
