/**
 * Template assertions on the synthesized product stack (one synth for the file, pinned to a dummy
 * account and region).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { KmsKeyringNode } from '@aws-crypto/client-node';
import type { S3Client } from '@aws-sdk/client-s3';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseAgentArgs, runAgent } from '../../agent/main';
import { FEED_SYNC_LEASE_KEY } from '../../functions/adapters/aws/dynamo-feed-sync-lease';
import { LIFECYCLE_METRICS_SERVICE, METRICS_NAMESPACE } from '../../functions/adapters/aws/emf-metrics';
import { AGENT_ARTIFACT_ENV, ENV } from '../../functions/adapters/aws/environment';
import { TABLES } from '../../functions/adapters/aws/table-design';
import { Facts } from '../../functions/core/facts/facts';
import type { RulesPackage } from '../../functions/core/rule';
import {
  AGENT_ARTIFACT_PARAMETERS,
  AGENT_COMMAND_PARAMETERS,
} from '../../functions/core/run-lifecycle/agent-command';
import { CONTEXT_KEYS, decryptTelemetry } from '../../functions/core/telemetry';
import { CVE_PACKAGE_SIDE_BUNDLE, RULES_REGISTRY_SIDE_BUNDLE } from '../../functions/handlers/side-bundles';
import { REPORT_PDF_SIDE_BUNDLE } from '../../functions/report/render-bytes';
import { BENCHMARK_IDS, BENCHMARKS, CIS_DATA_FOLDER, CIS_SIDE_BUNDLE } from '../../functions/rules/cis/data';
import { cisPackage } from '../../functions/rules/cis/index';
import { resolveRulesPackages } from '../../functions/rules/registry';
import { DOCUMENT_PARAMETERS } from '../../infra/constructs/agent-distribution';
import {
  DEFAULT_EVALUATE_CONCURRENCY,
  EVALUATE_BATCH_MAX_BYTES,
  EVALUATE_BATCH_SIZE,
  EVALUATE_TOLERATED_FAILURE_PERCENTAGE,
  EXPRESS_CHILD_THROTTLE_RETRY,
} from '../../infra/constructs/assessment-run-state-machine';
import { BUNDLE_LIMIT_BYTES } from '../../infra/constructs/inspector-function';
import { NETWORK_CONFIG_DESCRIBE_ACTIONS } from '../../infra/constructs/network-reachability-function';
import {
  controlPlaneEntries,
  FEED_SYNC_SIZING,
  LIFECYCLE_FUNCTIONS,
} from '../../infra/stacks/inspector-stack';
import { AGENT_BUNDLE, describeArtifact, REPO_ROOT } from '../../scripts/build-agent';
import { cisBenchmarkRoot, cisTelemetry } from '../helpers/cis-roots';
import { cleanupRoots, makeRoot } from '../helpers/fixture-root';
import { evaluateCondition, kmsRequestFromInstance } from '../helpers/iam-condition';
import { resolveIntrinsics, synthesizeStateMachine } from '../helpers/run-lifecycle/state-machine-definition';
import { lambdaBundleSizes, type Synthesized, sideBundleSizes, synthStack } from './synth-stack';

type Resource = { Type: string; Properties: Record<string, unknown> };

let s: Synthesized;
let t: Template;
const run = promisify(execFile);
/** Prints the @aws-sdk/client-* packages a process has required (run after loading a bundle). */
const LIST_SDK_CLIENTS = String.raw`process.stdout.write(JSON.stringify([...new Set(Object.keys(require.cache).flatMap((f) => /node_modules\/@aws-sdk\/(client-[^/]+)\//.exec(f)?.slice(1) ?? []))].sort()))`;

beforeAll(async () => {
  s = await synthStack({ env: { account: '123456789012', region: 'eu-west-1' } });
  t = s.template;
});
afterAll(() => s?.cleanup());

function resources(type: string, props: Record<string, unknown> = {}): Array<[string, Resource]> {
  return Object.entries(t.findResources(type, { Properties: Match.objectLike(props) })) as Array<
    [string, Resource]
  >;
}
function only(type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = resources(type, props);
  expect(found, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
}
function keyId(): string {
  return only('AWS::KMS::Key')[0];
}
const keyArn = () => ({ 'Fn::GetAtt': [keyId(), 'Arn'] });

describe('KMS key', () => {
  it('is customer managed with rotation, usable by CloudWatch Logs and SNS', () => {
    const [, key] = only('AWS::KMS::Key', { EnableKeyRotation: true });
    const statements = (key.Properties.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
    const logs = statements.find((st) => st.Sid === 'AllowCloudWatchLogs');
    // logs.<region>.<the partition's URL suffix> (amazonaws.com.cn in aws-cn; issue 16, item 9)
    expect(logs?.Principal).toEqual({
      Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] },
    });
    expect(JSON.stringify(logs?.Condition)).toContain('kms:EncryptionContext:aws:logs:arn');
    const sns = statements.find((st) => st.Sid === 'AllowSnsToUseTheKeyForTheTopic');
    expect(JSON.stringify(sns?.Principal)).toContain('sns.amazonaws.com');
  });
});

describe('buckets', () => {
  const telemetry = () =>
    only('AWS::S3::Bucket', {
      LifecycleConfiguration: Match.objectLike({
        Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-telemetry' })]),
      }),
    });

  it('telemetry: SSE-KMS with the key, public access blocked, 30-day expiry, aborted uploads, access logs', () => {
    const [id, bucket] = telemetry();
    const p = bucket.Properties;
    expect(p.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn() },
        },
      ],
    });
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const rules = (p.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    expect(rules).toContainEqual({ Id: 'expire-telemetry', ExpirationInDays: 30, Status: 'Enabled' });
    expect(rules).toContainEqual({
      Id: 'abort-incomplete-uploads',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      Status: 'Enabled',
    });
    const [logsId] = only('AWS::S3::Bucket', {
      BucketEncryption: Match.objectLike({
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }),
        ],
      }),
    });
    expect(p.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 'telemetry-bucket/',
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      }),
    });
  });

  it('every bucket blocks public access and enforces TLS', () => {
    const buckets = resources('AWS::S3::Bucket');
    expect(buckets.length).toBe(4);
    for (const [id, b] of buckets) {
      expect(b.Properties.PublicAccessBlockConfiguration, id).toMatchObject({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      });
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        }),
      });
    }
  });
});

describe('DynamoDB tables (table-design.ts)', () => {
  const common = () => ({
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn() },
  });

  it.each(Object.entries(TABLES))(
    '%s: keys, indexes, on-demand, PITR, customer-managed key',
    (_name, design) => {
      const keySchema = [
        { AttributeName: design.partitionKey, KeyType: 'HASH' },
        ...('sortKey' in design ? [{ AttributeName: design.sortKey, KeyType: 'RANGE' }] : []),
      ];
      const [, table] = only('AWS::DynamoDB::Table', { KeySchema: keySchema, ...common() });
      const gsis = (table.Properties.GlobalSecondaryIndexes ?? []) as Array<{
        IndexName: string;
        KeySchema: unknown;
      }>;
      const wanted = 'indexes' in design ? Object.values(design.indexes) : [];
      expect(gsis.map((g) => g.IndexName).sort()).toEqual(wanted.map((i) => i.name).sort());
      for (const index of wanted) {
        expect(gsis.find((g) => g.IndexName === index.name)?.KeySchema).toEqual([
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ]);
      }
      if ('ttlAttribute' in design) {
        expect(table.Properties.TimeToLiveSpecification).toEqual({
          AttributeName: design.ttlAttribute,
          Enabled: true,
        });
      }
    },
  );

  it('the Powertools idempotency table (id, TTL expiration)', () => {
    only('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      ...common(),
    });
    expect(resources('AWS::DynamoDB::Table')).toHaveLength(Object.keys(TABLES).length + 1);
  });
});

describe('SNS topic', () => {
  it('is KMS-encrypted and enforces TLS', () => {
    const [id] = only('AWS::SNS::Topic', { KmsMasterKeyId: keyArn() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id }],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });
});

describe('SSM agent document', () => {
  type Doc = {
    schemaVersion: string;
    parameters: Record<string, { default?: unknown; allowedPattern?: string; allowedValues?: unknown[] }>;
    mainSteps: Array<{ action: string; name: string; inputs: Record<string, unknown> }>;
  };
  const doc = () => only('AWS::SSM::Document', { DocumentType: 'Command' })[1].Properties.Content as Doc;

  it('is schema 2.2: one runShellScript step (the instance cache decides what to download), with the lifecycle contract parameters', () => {
    const d = doc();
    expect(d.schemaVersion).toBe('2.2');
    expect(d.mainSteps.map((m) => m.action)).toEqual(['aws:runShellScript']);
    for (const name of [
      ...Object.values(AGENT_COMMAND_PARAMETERS),
      ...Object.values(AGENT_ARTIFACT_PARAMETERS),
    ])
      expect(Object.keys(d.parameters)).toContain(name);
    for (const [name, p] of Object.entries(d.parameters)) {
      expect(p.allowedPattern ?? p.allowedValues, `parameter ${name} is constrained`).toBeDefined();
    }
  });

  it('checks the artifact SHA-256 against the agentSha256 parameter and fails closed', () => {
    const d = doc();
    const sha = d.parameters[DOCUMENT_PARAMETERS.agentSha256]!;
    expect(sha.allowedPattern).toBe('^[a-f0-9]{64}$');
    expect(sha.default).toBe(describeArtifact(AGENT_BUNDLE).sha256);
    const script = (d.mainSteps[0]!.inputs.runCommand as unknown[]).map((l) => JSON.stringify(l)).join('\n');
    expect(script).toContain('sha256sum');
    expect(script).toContain(`expected='{{ ${DOCUMENT_PARAMETERS.agentSha256} }}'`);
    expect(script).toContain(`url='{{ ${DOCUMENT_PARAMETERS.agentUrl} }}'`);
    expect(script).toContain('agent_fetch \\"$url\\" \\"$expected\\" $keep');
    expect(script).toContain('[ \\"$af_got\\" != \\"$af_want\\" ]');
    expect(script).toContain('refusing to run it');
    expect(script).toContain("cache_root='/var/lib/inspector-agent/cache'");
    for (const flag of ['--run-id', '--duration', '--bucket', '--prefix', '--kms-key-arn', '--region']) {
      expect(script).toContain(flag);
    }
  });

  it('takes the agent artifacts as gzip assets, and their URLs only at the regional endpoint of the assets bucket', () => {
    const p = doc().parameters;
    const keys = p[DOCUMENT_PARAMETERS.agentKey]!.allowedValues as string[];
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toMatch(/^[a-f0-9]{64}\.gz$/);
    const url = p[DOCUMENT_PARAMETERS.agentUrl]!;
    expect(url.default).toBe('');
    const pattern = JSON.stringify(url.allowedPattern);
    expect(pattern).toContain('cdk-hnb659fds-assets-123456789012-eu-west-1[.]s3[.]eu-west-1[.]');
    expect(pattern).toContain('AWS::URLSuffix');
    // nothing that could leave the script's single quotes
    expect(pattern).not.toMatch(/[\\]'|'/);
    const agent = s.stack.agent;
    for (const a of agent.artifacts) expect(a.compressedBytes).toBeLessThan(a.bytes);
  });

  it('defaults to this deployment: telemetry bucket, key, region', () => {
    const p = doc().parameters;
    expect(p[DOCUMENT_PARAMETERS.bucket]!.default).toEqual({ Ref: telemetryId() });
    expect(p[DOCUMENT_PARAMETERS.kmsKeyArn]!.default).toEqual(keyArn());
    expect(p[DOCUMENT_PARAMETERS.region]!.default).toBe('eu-west-1');
  });
});

function telemetryId(): string {
  return only('AWS::S3::Bucket', {
    LifecycleConfiguration: Match.objectLike({
      Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-telemetry' })]),
    }),
  })[0];
}

describe('the agent instance policy (<stack>-AgentInstancePolicy-<region>)', () => {
  const statements = () => {
    const [, policy] = only('AWS::IAM::ManagedPolicy');
    expect(policy.Properties.ManagedPolicyName).toBe('InspectorClassic-AgentInstancePolicy-eu-west-1');
    return (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
  };
  const bySid = (sid: string) => {
    const st = statements().find((x) => x.Sid === sid);
    expect(st, sid).toBeDefined();
    return st!;
  };

  it("grants exactly: telemetry and command-output upload, two scoped GenerateDataKey (no artifact read: the URL carries Dispatch's)", () => {
    expect(
      statements()
        .map((x) => x.Sid)
        .sort(),
    ).toEqual(
      [
        'EncryptOwnTelemetryEnvelope',
        'S3ServerSideEncryptionOfUploads',
        'UploadTelemetry',
        'WriteRunCommandOutput',
      ].sort(),
    );
    for (const st of statements()) expect(st.Effect).toBe('Allow');
    expect(JSON.stringify(statements())).not.toMatch(/"Resource":"\*"/);
  });

  it('reads nothing from the assets bucket', () => {
    expect(JSON.stringify(statements())).not.toContain('s3:GetObject');
    expect(JSON.stringify(statements())).not.toContain('cdk-hnb659fds-assets');
  });

  it('uploads telemetry only SSE-KMS with the stack key', () => {
    const st = bySid('UploadTelemetry');
    expect(st.Action).toBe('s3:PutObject');
    expect(JSON.stringify(st.Resource)).toContain('/telemetry/*');
    expect(st.Condition).toEqual({
      StringEquals: {
        's3:x-amz-server-side-encryption': 'aws:kms',
        's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn(),
      },
    });
  });

  it('generates envelope data keys only when the context names the calling instance (ec2:SourceInstanceARN)', () => {
    const st = bySid('EncryptOwnTelemetryEnvelope');
    expect(st.Action).toBe('kms:GenerateDataKey');
    expect(st.Resource).toEqual(keyArn());
    expect(st.Condition).toEqual({
      StringEquals: {
        // A request key compared with a documented policy variable (IAM User Guide, policy variables).
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
        [`kms:EncryptionContext:${CONTEXT_KEYS.instanceArn}`]: '${ec2:SourceInstanceARN}',
        [`kms:EncryptionContext:${CONTEXT_KEYS.schema}`]: '1',
        [`kms:EncryptionContext:${CONTEXT_KEYS.encoding}`]: 'gzip+json',
      },
      Null: {
        [`kms:EncryptionContext:${CONTEXT_KEYS.run}`]: 'false',
        [`kms:EncryptionContext:${CONTEXT_KEYS.instance}`]: 'false',
        [`kms:EncryptionContext:${CONTEXT_KEYS.instanceArn}`]: 'false',
      },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': Object.values(CONTEXT_KEYS) },
    });
    // The old condition used an encryption-context key as a policy variable inside aws:userid.
    expect(JSON.stringify(st.Condition)).not.toContain('aws:userid');
    expect(JSON.stringify(st.Condition)).not.toContain('${kms:');
  });

  it('lets S3 use the key for SSE only through S3 and only for the telemetry bucket', () => {
    const st = bySid('S3ServerSideEncryptionOfUploads');
    expect(st.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['s3.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] },
        'kms:EncryptionContext:aws:s3:arn': { 'Fn::GetAtt': [telemetryId(), 'Arn'] },
      },
    });
  });
});

describe('InspectorAgentInstancePolicy and the KMS request the real agent makes', () => {
  // The synthesized statement, evaluated (test/helpers/iam-condition.ts) against the request context IAM
  // builds when the real agent (runAgent → AWS Encryption SDK → kms:GenerateDataKey) runs on an instance
  // with an instance profile: names and formats must agree, and only documented policy variables resolve.
  const account = '123456789012';
  const region = 'eu-west-1';
  const KEY = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const arnOf = (id: string, acct = account, rgn = region) => `arn:aws:ec2:${rgn}:${acct}:instance/${id}`;
  const condition = () => {
    const [, policy] = only('AWS::IAM::ManagedPolicy');
    const st = (
      policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }
    ).Statement.find((x) => x.Sid === 'EncryptOwnTelemetryEnvelope');
    return st!.Condition as Record<string, Record<string, unknown>>;
  };

  /** Runs the agent in cloud mode; KMS records the GenerateDataKey request and keeps the data keys. */
  async function runRealAgent(instanceIdArg: string, keyArn = KEY) {
    const dataKeys = new Map<string, Uint8Array>();
    const requests: Array<{ KeyId?: string; EncryptionContext?: Record<string, string> }> = [];
    const kms = {
      generateDataKey: async (input: { KeyId: string; EncryptionContext?: Record<string, string> }) => {
        requests.push(input);
        const Plaintext = new Uint8Array(randomBytes(32));
        const CiphertextBlob = new Uint8Array(randomBytes(48));
        dataKeys.set(Buffer.from(CiphertextBlob).toString('hex'), Plaintext.slice());
        return { KeyId: input.KeyId, Plaintext, CiphertextBlob };
      },
      decrypt: async (input: { KeyId: string; CiphertextBlob: Uint8Array }) => {
        const key = dataKeys.get(Buffer.from(input.CiphertextBlob).toString('hex'));
        if (!key) throw new Error('InvalidCiphertextException');
        return { KeyId: input.KeyId, Plaintext: key.slice() };
      },
    };
    const keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kms as never });
    let body: Uint8Array | undefined;
    const s3 = {
      send: async (cmd: { input: { Body: Uint8Array } }) => {
        body = cmd.input.Body;
        return {};
      },
    } as unknown as S3Client;
    const opts = parseAgentArgs([
      ...['--run-id', 'run-1', '--instance-id', instanceIdArg, '--bucket', 'telemetry-bucket'],
      ...['--kms-key-arn', keyArn, '--region', region, '--root', agentRoot],
    ]);
    await runAgent(opts, { keyring, s3 });
    expect(requests).toHaveLength(1);
    return { context: requests[0]!.EncryptionContext ?? {}, body: body!, keyring };
  }

  let agentRoot: string;
  beforeAll(() => {
    agentRoot = makeRoot({ files: { '/etc/hostname': 'web-1\n' } });
  });
  afterAll(() => cleanupRoots());

  it('allows the agent to encrypt its own telemetry, and the evaluator accepts the envelope', async () => {
    const { context, body, keyring } = await runRealAgent('i-0aaaaaaaaaaaaaaaa');
    const request = kmsRequestFromInstance({
      instanceArn: arnOf('i-0aaaaaaaaaaaaaaaa'),
      encryptionContext: context,
    });
    expect(evaluateCondition(condition(), request)).toEqual({ matches: true, failures: [] });
    const doc = await decryptTelemetry(body, keyring, { runId: 'run-1', instanceId: 'i-0aaaaaaaaaaaaaaaa' });
    expect(doc.instanceId).toBe('i-0aaaaaaaaaaaaaaaa');
  });

  it('denies an agent that claims another instance id than the instance it runs on', async () => {
    const { context } = await runRealAgent('i-0bbbbbbbbbbbbbbbb');
    const request = kmsRequestFromInstance({
      instanceArn: arnOf('i-0aaaaaaaaaaaaaaaa'),
      encryptionContext: context,
    });
    const result = evaluateCondition(condition(), request);
    expect(result.matches).toBe(false);
    expect(result.failures.join('\n')).toMatch(/inspector:instance-arn/);
  });

  it('denies when the key (so the ARN the agent builds) is of another account or region than the instance', async () => {
    for (const key of [
      `arn:aws:kms:${region}:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    ]) {
      const { context } = await runRealAgent('i-0aaaaaaaaaaaaaaaa', key);
      const request = kmsRequestFromInstance({
        instanceArn: arnOf('i-0aaaaaaaaaaaaaaaa'),
        encryptionContext: context,
      });
      expect(evaluateCondition(condition(), request).matches, key).toBe(false);
    }
  });

  it('denies a caller that is not an EC2 instance role session (no ec2:SourceInstanceARN)', async () => {
    const { context } = await runRealAgent('i-0aaaaaaaaaaaaaaaa');
    expect(
      evaluateCondition(condition(), kmsRequestFromInstance({ encryptionContext: context })).matches,
    ).toBe(false);
  });

  it('denies the context of an agent without the instance ARN, and any extra context key', async () => {
    const { context } = await runRealAgent('i-0aaaaaaaaaaaaaaaa');
    const instanceArn = arnOf('i-0aaaaaaaaaaaaaaaa');
    const { [CONTEXT_KEYS.instanceArn]: _dropped, ...older } = context;
    expect(
      evaluateCondition(condition(), kmsRequestFromInstance({ instanceArn, encryptionContext: older }))
        .matches,
    ).toBe(false);
    const extra = { ...context, 'inspector:other': 'x' };
    expect(
      evaluateCondition(condition(), kmsRequestFromInstance({ instanceArn, encryptionContext: extra }))
        .matches,
    ).toBe(false);
  });
});

describe('Lambdas', () => {
  const lambdas = () => resources('AWS::Lambda::Function');

  it('one per state-machine state and per control-plane group', () => {
    const expected = Object.keys(LIFECYCLE_FUNCTIONS).length + controlPlaneEntries().length;
    expect(lambdas().length).toBeGreaterThanOrEqual(expected);
    for (const name of Object.values(LIFECYCLE_FUNCTIONS)) {
      expect(
        lambdas().some(([, f]) =>
          String(f.Properties.Description).toLowerCase().includes(name.split('-')[0]!),
        ),
      ).toBe(true);
    }
  });

  it('Node.js 22 on arm64, X-Ray, JSON logs into a KMS-encrypted log group with retention, full environment', () => {
    for (const [id, f] of lambdas()) {
      const p = f.Properties;
      expect(p.Runtime, id).toBe('nodejs22.x');
      expect(p.Architectures, id).toEqual(['arm64']);
      expect(p.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(p.LoggingConfig, id).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      const vars = (p.Environment as { Variables: Record<string, unknown> }).Variables;
      // The feed sync reads only FEED_BUCKET (and its own config); every other function gets the full set.
      const full = !String(p.Description).startsWith('Daily vulnerability feed sync');
      expect(vars[ENV.feedBucket], id).toBeDefined();
      for (const name of full
        ? [
            ENV.runsTable,
            ENV.findingsTable,
            ENV.locksTable,
            ENV.kmsKeyArn,
            ENV.eventsTopicArn,
            ENV.telemetryBucket,
            ENV.agentDocumentName,
          ]
        : []) {
        expect(vars[name], `${id} ${name}`).toBeDefined();
      }
      // The feed sync also gets its measured heap limit (FEED_SYNC_SIZING).
      expect(vars.NODE_OPTIONS, id).toBe(
        full
          ? '--enable-source-maps'
          : `--enable-source-maps --max-old-space-size=${FEED_SYNC_SIZING.heapMiB}`,
      );
      const logGroup = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: Match.objectLike({ RetentionInDays: 90, KmsKeyId: keyArn() }),
      });
      expect(t.toJSON().Resources[logGroup].Properties).toMatchObject({
        RetentionInDays: 90,
        KmsKeyId: keyArn(),
      });
    }
  });

  it('control-plane functions know the state machine and the scheduler', () => {
    const cp = lambdas().filter(([, f]) => String(f.Properties.Description).startsWith('Control plane'));
    expect(cp.length).toBe(controlPlaneEntries().length);
    for (const [id, f] of cp) {
      const vars = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(vars[ENV.stateMachineArn], id).toBeDefined();
      expect(vars.SCHEDULE_GROUP_NAME, id).toBeDefined();
      expect(vars.SCHEDULER_ROLE_ARN, id).toBeDefined();
    }
  });

  it('every bundle loads in Node.js and exports its handler (the runtime provides @aws-sdk/*)', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
      AWS_REGION: 'eu-west-1',
    };
    for (const name of Object.values(ENV)) env[name] ??= 'x';
    for (const asset of lambdaBundleSizes(s.outdir).keys()) {
      const file = path.join(s.outdir, asset, 'index.js');
      const { stdout } = await run(
        process.execPath,
        ['-e', `process.stdout.write(typeof require(${JSON.stringify(file)}).handler)`],
        { env },
      );
      expect(stdout, asset).toBe('function');
    }
  });

  it('every bundle is minified and under 500 KiB: each index.js and each side bundle beside it', () => {
    const sizes = lambdaBundleSizes(s.outdir);
    expect(sizes.size).toBe(lambdas().length);
    for (const [asset, bytes] of sizes) expect(bytes, asset).toBeLessThan(BUNDLE_LIMIT_BYTES);
    // Side bundles, loaded on first use: the evaluate Lambda's cis package, rules registry and cve package, the reports
    // Lambda's PDF renderer (pdfkit and fontkit, fontkit's brotli from Node's zlib).
    const side = sideBundleSizes(s.outdir);
    expect([...side.keys()].map((f) => path.basename(f)).sort()).toEqual(
      [
        path.basename(CIS_SIDE_BUNDLE),
        CVE_PACKAGE_SIDE_BUNDLE,
        REPORT_PDF_SIDE_BUNDLE,
        RULES_REGISTRY_SIDE_BUNDLE,
      ].sort(),
    );
    for (const [file, bytes] of side) expect(bytes, file).toBeLessThan(BUNDLE_LIMIT_BYTES);
  });

  it("cold init: a bundle loads only the SDK clients its Lambda's every invocation needs (EC2 and KMS on first use)", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
      AWS_REGION: 'eu-west-1',
    };
    const loaded = new Map<string, string[]>();
    for (const [, fn] of lambdas()) {
      const description = String(fn.Properties.Description);
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;
      const file = path.join(s.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.js');
      const { stdout } = await run(
        process.execPath,
        ['-e', `require(${JSON.stringify(file)}); ${LIST_SDK_CLIENTS}`],
        { env },
      );
      loaded.set(description, JSON.parse(stdout) as string[]);
    }
    const loading = (client: string) =>
      [...loaded].filter(([, clients]) => clients.includes(client)).map(([name]) => name);
    // EC2 (the largest client: ~50 MB and 150 ms) only where every invocation describes the network; StartRun
    // and the control plane load it on their first EC2 call (functions/adapters/aws/lazy-ec2-fleet.ts).
    expect(loading('client-ec2')).toEqual([
      expect.stringMatching(/^Network reachability \(EvaluateNetwork\):/),
    ]);
    // The Encryption SDK (with the KMS client) only where telemetry is decrypted.
    expect(loading('client-kms')).toEqual([expect.stringMatching(/^Evaluate:/)]);
    expect(loaded.size).toBe(lambdas().length);
  });

  it("the evaluate bundle's rules registry is a side bundle beside index.js that resolves the built-in packages", async () => {
    const [, evaluate] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Evaluate:'),
    });
    const key = (evaluate.Properties.Code as { S3Key: string }).S3Key;
    const side = path.join(s.outdir, `asset.${key.replace(/\.zip$/, '')}`, RULES_REGISTRY_SIDE_BUNDLE);
    const ids = ['security-best-practices', 'runtime-behavior-analysis'];
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(side)}).resolveRulesPackages(${JSON.stringify(ids)}).then((ps) => process.stdout.write(JSON.stringify(ps.map((p) => [p.id, p.rules.map((r) => r.id)]))))`,
      ],
      { env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') } },
    );
    const fromSources = await resolveRulesPackages(ids);
    expect(JSON.parse(stdout)).toEqual(fromSources.map((p) => [p.id, p.rules.map((r) => r.id)]));
  });

  it('only the evaluate bundle carries the cis package and its data, as files beside its index.js', async () => {
    const [, evaluate] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Evaluate:'),
    });
    const key = (evaluate.Properties.Code as { S3Key: string }).S3Key;
    const evaluateAsset = `asset.${key.replace(/\.zip$/, '')}`;
    const data = path.join(s.outdir, evaluateAsset, CIS_DATA_FOLDER);
    expect(JSON.parse(readFileSync(path.join(data, 'rules.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(path.join(REPO_ROOT, 'functions/rules/cis/rules.json'), 'utf8')),
    );
    for (const id of BENCHMARK_IDS)
      expect(existsSync(path.join(data, 'benchmarks', `${id}.json`)), id).toBe(true);
    // The package's code is a file of its own there, reading the data beside it.
    const side = path.join(s.outdir, evaluateAsset, CIS_SIDE_BUNDLE);
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `const m = require(${JSON.stringify(side)}); process.stdout.write(JSON.stringify([m.cisPackage.id, m.BENCHMARKS.debian12.controls.length]))`,
      ],
      { env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') } },
    );
    expect(JSON.parse(stdout)).toEqual(['cis', BENCHMARKS.debian12.controls.length]);
    // And it evaluates as the sources do (a Debian 12 fixture root meant to fail the benchmark).
    // Loaded in this process from a copy under node_modules, where its @aws-sdk/* (external, provided by the
    // Lambda runtime) resolves.
    const copy = mkdtempSync(path.join(REPO_ROOT, 'node_modules', '.cis-bundle-test-'));
    cpSync(data, copy, { recursive: true });
    onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
    const bundled = createRequire(import.meta.url)(path.join(copy, path.basename(CIS_SIDE_BUNDLE))) as {
      cisPackage: RulesPackage;
    };
    const facts = new Facts(await cisTelemetry(cisBenchmarkRoot('debian12', 'fail')));
    const ctx = { cis: { profile: 'level2-server' as const } };
    const fromBundle = await bundled.cisPackage.evaluate(facts, ctx);
    expect(fromBundle.length).toBeGreaterThan(100);
    expect(fromBundle.some((r) => r.result === 'FAIL')).toBe(true);
    expect(fromBundle).toEqual(await cisPackage.evaluate(facts, ctx));
    // No bundle inlines the data (a benchmark's upstream control file name is in the data only).
    const marker = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'functions/rules/cis/benchmarks/debian12.json'), 'utf8'),
    ).upstream.controlFile as string;
    for (const asset of lambdaBundleSizes(s.outdir).keys()) {
      expect(readFileSync(path.join(s.outdir, asset, 'index.js'), 'utf8').includes(marker), asset).toBe(
        false,
      );
      if (asset !== evaluateAsset)
        expect(existsSync(path.join(s.outdir, asset, CIS_DATA_FOLDER)), asset).toBe(false);
    }
  });
});

describe('least privilege of the Lambda roles', () => {
  const policyOf = (fnDescriptionStart: string): string => {
    const [, f] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp(`^${fnDescriptionStart}`),
    });
    const roleId = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = resources('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(roleId),
    );
    return JSON.stringify(policies.map(([, p]) => p.Properties.PolicyDocument));
  };

  it('only Dispatch sends commands, and only the agent document', () => {
    const dispatch = policyOf('Dispatch');
    expect(dispatch).toContain('ssm:SendCommand');
    expect(dispatch).toMatch(/:document\/",\{"Ref":"AgentAgentDocument/);
    expect(dispatch).toContain(':instance/*');
    expect(dispatch).not.toContain('managed-instance');
    only('AWS::SSM::Document', { TargetType: '/AWS::EC2::Instance', UpdateMethod: 'NewVersion' });
    for (const other of ['StartRun', 'CheckAgents', 'Poll', 'Evaluate', 'Finalize', 'FailRun']) {
      expect(policyOf(other), other).not.toContain('ssm:SendCommand');
    }
  });

  it('Dispatch reads exactly the agent artifact objects (what its pre-signed URLs carry), and no other function does', () => {
    const [, f] = only('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Dispatch') });
    const roleId = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = resources('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
    const read = statements.filter((st) => JSON.stringify(st).includes('cdk-hnb659fds-assets'));
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ Sid: 'PresignAgentArtifactDownloads', Action: 's3:GetObject' });
    const objects = ([] as unknown[]).concat(read[0]!.Resource).map((r) => JSON.stringify(r));
    expect(objects).toHaveLength(s.stack.agent.artifacts.length);
    for (const [i, a] of s.stack.agent.artifacts.entries()) {
      expect(objects[i]).toContain(`cdk-hnb659fds-assets-123456789012-eu-west-1/${a.asset.s3ObjectKey}`);
      expect(objects[i]).not.toContain('*');
    }
    // no other role's policy (nor the instance policy, checked above) names the assets bucket
    for (const [id, p] of resources('AWS::IAM::Policy')) {
      if (JSON.stringify(p.Properties.Roles).includes(roleId)) continue;
      expect(JSON.stringify(p.Properties.PolicyDocument), id).not.toContain('cdk-hnb659fds-assets');
    }
  });

  it('only Evaluate decrypts telemetry; StartRun describes instances', () => {
    expect(policyOf('Evaluate')).toContain('kms:Decrypt');
    expect(policyOf('Evaluate')).toContain('/telemetry/*');
    expect(policyOf('Evaluate')).toContain('/feeds/*');
    expect(policyOf('StartRun')).toContain('ec2:DescribeInstances');
    expect(policyOf('StartRun')).not.toContain('s3:');
  });

  it('the control-plane targets function computes exclusions previews by invoking only itself', () => {
    const targets = policyOf('Control plane: targets');
    expect(targets).toContain('ec2:DescribeInstances');
    expect(targets).toContain('ssm:DescribeInstanceInformation');
    const [fnId, f] = only('AWS::Lambda::Function', { Description: 'Control plane: targets operations' });
    expect(targets).toContain('"Sid":"ComputeExclusionsPreview"');
    expect(targets).toContain('"Action":"lambda:InvokeFunction"');
    expect(targets).toContain(JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }));
    expect(f.Properties.Timeout).toBe(300);
    for (const other of ['Control plane: runs', 'Control plane: findings', 'Control plane: templates']) {
      expect(policyOf(other), other).not.toContain('lambda:InvokeFunction');
    }
    expect(policyOf('Control plane: runs')).toContain('ec2:DescribeInstances');
  });
});

describe('Dispatch: the agent artifact of each architecture', () => {
  const fnOf = (descriptionStart: string) =>
    only('AWS::Lambda::Function', { Description: Match.stringLikeRegexp(`^${descriptionStart}`) });
  const vars = (descriptionStart: string) =>
    (fnOf(descriptionStart)[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;

  it('gets the x86_64 and arm64 artifact keys and SHA-256 (the bundle for both when no executable is built)', () => {
    const bundle = s.stack.agent.artifacts.find((a) => a.kind === 'bundle')!;
    const doc = only('AWS::SSM::Document', { DocumentType: 'Command' })[1].Properties.Content as {
      parameters: Record<string, { allowedValues?: unknown[] }>;
    };
    const allowed = doc.parameters[DOCUMENT_PARAMETERS.agentKey]!.allowedValues;
    const v = vars('Dispatch');
    const bundleSha = describeArtifact(AGENT_BUNDLE).sha256;
    for (const arch of ['x86_64', 'arm64'] as const) {
      const names = AGENT_ARTIFACT_ENV[arch];
      // this synth ships no executables: each architecture gets the bundle (run with node on the instance),
      // as its gzip copy keyed by the SHA-256 of the decompressed agent.js
      expect(v[names.key], names.key).toBe(bundle.asset.s3ObjectKey);
      expect(v[names.key], names.key).toMatch(/^[a-f0-9]{64}\.gz$/);
      expect(v[names.sha256], names.sha256).toBe(bundleSha);
      // the document accepts what Dispatch sends
      expect(allowed).toContain(v[names.key]);
    }
    expect(Object.values(AGENT_ARTIFACT_ENV).flatMap((n) => [n.key, n.sha256])).toEqual([
      'AGENT_ARTIFACT_KEY_X86_64',
      'AGENT_ARTIFACT_SHA256_X86_64',
      'AGENT_ARTIFACT_KEY_ARM64',
      'AGENT_ARTIFACT_SHA256_ARM64',
    ]);
  });

  it('and the assets bucket it pre-signs their URLs in', () => {
    expect(vars('Dispatch')[ENV.agentArtifactBucket]).toBe(s.stack.agent.defaultArtifact.asset.s3BucketName);
  });

  it('only Dispatch gets them', () => {
    for (const [id, f] of resources('AWS::Lambda::Function')) {
      if (String(f.Properties.Description).startsWith('Dispatch')) continue;
      const v = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(
        Object.keys(v).filter((k) => k.startsWith('AGENT_ARTIFACT_')),
        id,
      ).toEqual([]);
    }
  });
});

describe('Evaluate and the feed bucket', () => {
  const evaluate = () => only('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Evaluate') });
  const statementsOf = (fnId: string, f: Resource) => {
    const roleId = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(fnId).toBeTruthy();
    return resources('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
  };
  const feedBucketId = () =>
    Object.entries(t.toJSON().Outputs as Record<string, { Value: { Ref?: string } }>).find(
      ([name]) => name === 'FeedBucketName',
    )?.[1].Value.Ref as string;

  it('may list the feed bucket under feeds/ only (a missing pointer is a 404, not a 403)', () => {
    const [id, f] = evaluate();
    const list = statementsOf(id, f).filter((st) => st.Action === 's3:ListBucket');
    const bucket = feedBucketId();
    expect(bucket).toBeTruthy();
    const onFeed = list.filter(
      (st) => JSON.stringify(st.Resource) === JSON.stringify({ 'Fn::GetAtt': [bucket, 'Arn'] }),
    );
    expect(onFeed).toHaveLength(1);
    expect(onFeed[0]).toMatchObject({
      Effect: 'Allow',
      Condition: { StringLike: { 's3:prefix': ['feeds/*'] } },
    });
    // and reads objects under feeds/ only
    const get = statementsOf(id, f).filter((st) => st.Action === 's3:GetObject');
    expect(JSON.stringify(get)).toContain('/feeds/*');
  });

  it('the feed sync lists and writes under feeds/ only', () => {
    const [id, f] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Daily vulnerability feed sync'),
    });
    const st = statementsOf(id, f);
    const list = st.filter((x) => x.Action === 's3:ListBucket');
    expect(list).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [feedBucketId(), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['feeds/*'] } },
      },
    ]);
    const objects = st.filter(
      (x) => Array.isArray(x.Action) && (x.Action as string[]).includes('s3:PutObject'),
    );
    expect(objects).toHaveLength(1);
    expect(JSON.stringify(objects[0]?.Resource)).toContain('/feeds/*');
  });

  it('has at least 1024 MB for the in-memory CVE index', () => {
    const [, f] = evaluate();
    expect(f.Properties.MemorySize as number).toBeGreaterThanOrEqual(1024);
  });
});

describe('state machine, scheduler, alarm', () => {
  it('is a Standard state machine with ALL logging and X-Ray tracing', () => {
    only('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
  });

  it('has a schedule group and a scheduler role that can only start the state machine', () => {
    only('AWS::Scheduler::ScheduleGroup');
    const [roleId] = only('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      }),
    });
    const policies = resources('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(roleId),
    );
    const actions = policies.flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown }> }).Statement.map(
        (x) => x.Action,
      ),
    );
    expect(actions).toEqual(['states:StartExecution']);
  });

  it('lets the templates control plane manage schedules in the group and pass the scheduler role', () => {
    const json = JSON.stringify(resources('AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument));
    expect(json).toContain('scheduler:CreateSchedule');
    expect(json).toContain('scheduler:DeleteSchedule');
    expect(json).toContain('"iam:PassedToService":"scheduler.amazonaws.com"');
  });

  it('alarms on failed executions (>= 1) into the topic', () => {
    const [topicId] = only('AWS::SNS::Topic');
    only('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
  });
});

describe('feed sync', () => {
  it('runs daily, one at a time, sized from the full-size benchmark (memory, /tmp, an explicit heap limit)', () => {
    const [fnId] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Daily vulnerability feed sync'),
      MemorySize: FEED_SYNC_SIZING.memoryMiB,
      Timeout: 900,
      EphemeralStorage: { Size: FEED_SYNC_SIZING.ephemeralMiB },
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${FEED_SYNC_SIZING.heapMiB}`,
        }),
      },
    });
    // The heap limit leaves room in the function's memory for what lives outside it (download buffers).
    expect(FEED_SYNC_SIZING.heapMiB).toBeLessThanOrEqual(FEED_SYNC_SIZING.memoryMiB - 384);
    only('AWS::Events::Rule', {
      ScheduleExpression: 'cron(17 3 * * ? *)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }),
      ],
    });
    expect(Object.keys(t.toJSON().Outputs as Record<string, unknown>)).toContain('FeedSyncFunctionName');
  });

  it('is single-flight without reserved concurrency (fails CREATE in low-quota accounts): a lease item in the locks table, nothing else of it (issue 16, item 1)', () => {
    for (const [, f] of resources('AWS::Lambda::Function'))
      expect(f.Properties.ReservedConcurrentExecutions, String(f.Properties.Description)).toBeUndefined();
    const [fnId, fn] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Daily vulnerability feed sync'),
    });
    const [locksId] = only('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'instanceId', KeyType: 'HASH' }],
    });
    expect(
      (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.LOCKS_TABLE,
    ).toEqual({
      Ref: locksId,
    });
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = resources('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
    const onLocks = statements.filter((st) => JSON.stringify(st.Resource).includes(locksId));
    expect(onLocks).toEqual([
      expect.objectContaining({
        Sid: 'SingleFlightLease',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [FEED_SYNC_LEASE_KEY] } },
      }),
    ]);
    expect(fnId).toBeTruthy();
  });
});

describe('outputs', () => {
  it('give the user everything needed', () => {
    const outputs = Object.keys(t.toJSON().Outputs as Record<string, unknown>);
    for (const name of [
      'StateMachineArn',
      'EventsTopicArn',
      'TelemetryBucketName',
      'ReportsBucketName',
      'TargetsTableName',
      'TemplatesTableName',
      'RunsTableName',
      'FindingsTableName',
      'LocksTableName',
      'AgentDocumentName',
      'AgentInstancePolicyArn',
      'KmsKeyArn',
      'ScheduleGroupName',
    ]) {
      expect(outputs).toContain(name);
    }
    expect(outputs.filter((o) => /^ControlPlane.*FunctionName$/.test(o))).toHaveLength(
      controlPlaneEntries().length,
    );
  });
});

describe('runs that never end wrong (issue 7)', () => {
  const definition = () => {
    const [, sm] = only('AWS::StepFunctions::StateMachine');
    return JSON.parse(resolveIntrinsics(sm.Properties.DefinitionString) as string) as {
      States: Record<string, Record<string, unknown>>;
    };
  };

  it('polls the collection in bounded waits: no wait for the whole duration', () => {
    const { States } = definition();
    expect(States.WaitForDuration).toBeUndefined();
    expect(States.WaitBeforePoll).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds' });
    expect(States.DispatchCommands?.Next).toBe('WaitBeforePoll');
    const done = States['CollectionDone?'] as { Default?: string };
    expect(done.Default).toBe('WaitBeforePoll');
  });

  it("Evaluate's child execution evaluates a batch (EvaluateInstances) with the throttle retry of an Express child", () => {
    const { States } = definition();
    const processor = (
      States.Evaluate as { ItemProcessor: { States: Record<string, Record<string, unknown>> } }
    ).ItemProcessor.States;
    expect(Object.keys(processor)).toEqual(['EvaluateInstances']);
    const evaluate = processor.EvaluateInstances as {
      Parameters: Record<string, unknown>;
      Retry: Array<{ ErrorEquals: string[]; MaxAttempts: number }>;
    };
    // The whole batch ({Items, BatchInput}) is the Lambda's payload.
    expect(evaluate.Parameters['Payload.$']).toBe('$');
    // The Lambda's own timeout, within the Express child's 5 minutes.
    expect((evaluate as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(300);
    const throttled = evaluate.Retry.find((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
    expect(throttled?.MaxAttempts).toBe(EXPRESS_CHILD_THROTTLE_RETRY.maxAttempts);
  });

  it('an EventBridge rule sends ABORTED, TIMED_OUT and FAILED executions of the state machine to ReconcileRun', () => {
    const [smId] = only('AWS::StepFunctions::StateMachine');
    const [fnId] = only('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^ReconcileRun') });
    only('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: smId }], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: Match.anyValue() })],
    });
    // ReconcileRun may update runs, release locks, cancel commands and publish; EventBridge may invoke it.
    // one permission per rule: the status-change rule and the sweep schedule
    expect(
      resources('AWS::Lambda::Permission', {
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      }),
    ).toHaveLength(2);
  });

  it('Dispatch may list commands (a retry adopts the command an earlier attempt sent)', () => {
    const [, f] = only('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Dispatch') });
    const roleId = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const json = JSON.stringify(
      resources('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .map(([, p]) => p.Properties.PolicyDocument),
    );
    expect(json).toContain('ssm:ListCommands');
    expect(json).toContain('ssm:CancelCommand');
  });

  it('a schedule sweeps runs whose execution ended without a status event (EventBridge delivers them best effort)', () => {
    const [smId] = only('AWS::StepFunctions::StateMachine');
    const [fnId, fn] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^ReconcileRun'),
    });
    only('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
    });
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env[ENV.stateMachineArn]).toEqual({ Ref: smId });
  });

  it('Evaluate is a distributed Map: S3 JSON manifest ItemReader, batches, Express children, tolerated failures, ResultWriter', () => {
    const { States } = definition();
    const [bucketId] = only('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'telemetry-bucket/' }),
    });
    expect(States.Evaluate).toMatchObject({
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: bucketId, 'Key.$': '$.manifest.key' },
      },
      ItemSelector: { 'instanceId.$': '$$.Map.Item.Value' },
      ItemBatcher: {
        MaxItemsPerBatch: EVALUATE_BATCH_SIZE,
        MaxInputBytesPerBatch: EVALUATE_BATCH_MAX_BYTES,
        BatchInput: { 'runId.$': '$.runId' },
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: bucketId, 'Prefix.$': '$.manifest.resultsPrefix' },
      },
      MaxConcurrency: DEFAULT_EVALUATE_CONCURRENCY,
      ToleratedFailurePercentage: EVALUATE_TOLERATED_FAILURE_PERCENTAGE,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } },
      // The Map's own output is its map run and where its results are, never the children's outputs.
      ResultPath: '$.evaluation',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'FailRun', ResultPath: '$.error' }],
    });
    // A failed child never fails the run: FinalizeRun excludes what it left PENDING.
    expect(EVALUATE_TOLERATED_FAILURE_PERCENTAGE).toBe(100);
  });

  it("the state machine's role: its own child executions, the manifests (not the telemetry) and the key", () => {
    const [smId, sm] = only('AWS::StepFunctions::StateMachine');
    const roleId = (sm.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = resources('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
    const byAction = (action: string) =>
      statements.filter((st) => ([] as string[]).concat(st.Action as string | string[]).includes(action));
    const s3Resources = (action: string) => JSON.stringify(byAction(action).map((st) => st.Resource));
    // Reads the manifest and writes the results under manifests/ only: no other object of any bucket.
    expect(byAction('s3:GetObject').length).toBeGreaterThanOrEqual(1);
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload']) {
      expect(s3Resources(action), action).toContain('/manifests/*');
      expect(s3Resources(action), action).not.toContain('/telemetry/');
      // Every resource is <telemetry bucket ARN>/manifests/*: none is a whole bucket's objects.
      for (const st of byAction(action))
        for (const r of ([] as unknown[]).concat(st.Resource))
          expect(JSON.stringify(r), action).toMatch(/"\/manifests\/\*"\]\]\}$/);
    }
    expect(byAction('s3:DeleteObject')).toHaveLength(0);
    // Starts executions of itself only (the Map's children).
    const start = JSON.stringify(byAction('states:StartExecution').map((st) => st.Resource));
    expect(start).toContain(smId);
    expect(start).not.toContain('"*"');
    // SSE-KMS: decrypts the manifest and encrypts the results with the stack key.
    const kms = statements.filter((st) => JSON.stringify(st.Action).includes('kms:GenerateDataKey'));
    expect(JSON.stringify(kms)).toContain(keyId());
    expect(JSON.stringify(kms)).toContain('kms:Decrypt');
  });

  it('the runs control plane may describe executions (stop of a run whose execution is gone)', () => {
    const [, f] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Control plane: runs'),
    });
    const roleId = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const json = JSON.stringify(
      resources('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .map(([, p]) => p.Properties.PolicyDocument),
    );
    expect(json).toContain('states:DescribeExecution');
    expect(json).toContain(':execution:');
  });

  it('alarms on subscriber delivery failures with the dimension the lifecycle Lambdas emit', () => {
    const [topicId] = only('AWS::SNS::Topic');
    only('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'SubscriberDeliveryFailures',
      Dimensions: [{ Name: 'service', Value: LIFECYCLE_METRICS_SERVICE }],
      AlarmActions: [{ Ref: topicId }],
    });
  });
});

describe('EvaluateNetwork: its own Lambda, read-only on the network configuration', () => {
  const network = () => {
    const [id, f] = only('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Network reachability \\(EvaluateNetwork\\)'),
    });
    const roleId = (f.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = resources('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
    const actions = statements.flatMap((x) => [x.Action].flat() as string[]);
    return { id, f, statements, actions };
  };

  it('may call only the describe calls of the reader on EC2 and ELB, nothing that changes them', () => {
    const { actions, statements } = network();
    const ec2 = actions.filter((a) => a.startsWith('ec2:'));
    const elb = actions.filter((a) => a.startsWith('elasticloadbalancing:'));
    for (const a of ec2) expect(a).toMatch(/^ec2:(Describe[A-Za-z]+|GetManagedPrefixListEntries)$/);
    for (const a of elb) expect(a).toMatch(/^elasticloadbalancing:Describe[A-Za-z]+$/);
    expect([...ec2, ...elb].sort()).toEqual(
      [...NETWORK_CONFIG_DESCRIBE_ACTIONS, 'ec2:GetManagedPrefixListEntries'].sort(),
    );
    // Besides: its tables, the run events (SNS topic, default event bus) and the logs/traces every function
    // has; no S3, SSM or KMS decrypt of telemetry.
    const services = new Set(actions.map((a) => a.split(':')[0]));
    expect(actions.filter((a) => a.startsWith('events:'))).toEqual(['events:PutEvents']);
    expect([...services].sort()).toEqual(
      ['dynamodb', 'ec2', 'elasticloadbalancing', 'events', 'kms', 'logs', 'sns', 'xray'].filter((x) =>
        services.has(x),
      ),
    );
    for (const x of ['s3', 'ssm', 'iam', 'lambda']) expect(services.has(x), x).toBe(false);
    expect(statements.find((x) => x.Sid === 'ReadPrefixListEntries')?.Resource).toMatchObject({
      'Fn::Join': ['', expect.arrayContaining([':ec2:eu-west-1:*:prefix-list/*'])],
    });
  });

  it("reads and rewrites the run's findings for the exposure chain: Query and BatchWriteItem on the findings table", () => {
    const { statements } = network();
    const [findingsTable] = only('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'runId', KeyType: 'HASH' },
        { AttributeName: 'findingId', KeyType: 'RANGE' },
      ],
    });
    const onFindings = statements
      .filter((x) => JSON.stringify(x.Resource).includes(findingsTable))
      .flatMap((x) => [x.Action].flat() as string[]);
    // pagesByRunPackage is a Query over the table (ConsistentRead); putFindings a BatchWriteItem.
    expect(onFindings).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:BatchWriteItem']));
    for (const a of onFindings)
      expect(a).not.toMatch(/^dynamodb:(\*|Delete(Table|Backup)|UpdateTable|CreateTable)$/);
  });

  it('runs once per run between Evaluate and FinalizeRun, its failure recorded by the same function', () => {
    const { id } = network();
    const sm = only('AWS::StepFunctions::StateMachine')[1];
    const def = JSON.parse(String(resolveIntrinsics(sm.Properties.DefinitionString))) as {
      States: Record<
        string,
        { Next?: string; Parameters?: { FunctionName?: string }; Catch?: Array<{ Next: string }> }
      >;
    };
    expect(def.States.Evaluate?.Next).toBe('EvaluateNetwork');
    expect(def.States.EvaluateNetwork?.Next).toBe('FinalizeRun');
    expect(def.States.EvaluateNetwork?.Catch?.[0]?.Next).toBe('RecordNetworkFailure');
    expect(def.States.RecordNetworkFailure?.Next).toBe('FinalizeRun');
    for (const state of ['EvaluateNetwork', 'RecordNetworkFailure'])
      expect(def.States[state]?.Parameters?.FunctionName, state).toContain(id);
  });
});

describe('Security Hub export (-c inspector:securityHubExport, off by default)', () => {
  it('off: no ExportToSecurityHub state, no export function, no securityhub permission', () => {
    const [, sm] = only('AWS::StepFunctions::StateMachine');
    const { States } = JSON.parse(resolveIntrinsics(sm.Properties.DefinitionString) as string) as {
      States: Record<string, Record<string, unknown>>;
    };
    expect(States.ExportToSecurityHub).toBeUndefined();
    expect(States.RecordSecurityHubFailure).toBeUndefined();
    expect(States.FinalizeRun?.Next).toBe('RunFinished');
    expect(s.stack.securityHubExport).toBeUndefined();
    expect(
      resources('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^ExportToSecurityHub') }),
    ).toEqual([]);
    expect(JSON.stringify(t.toJSON())).not.toMatch(/securityhub:/);
  });

  it('on: ExportToSecurityHub after FinalizeRun, its failure recorded by RecordSecurityHubFailure, never FailRun', () => {
    const { definition } = synthesizeStateMachine({ securityHubExport: true });
    const States = definition.States as Record<string, Record<string, unknown>>;
    expect(States.FinalizeRun?.Next).toBe('ExportToSecurityHub');
    expect(States.ExportToSecurityHub).toMatchObject({
      Parameters: { Payload: { 'runId.$': '$.runId' } },
      ResultPath: null,
      Next: 'RunFinished',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RecordSecurityHubFailure', ResultPath: '$.error' }],
    });
    expect(States.RecordSecurityHubFailure).toMatchObject({
      Parameters: { Payload: { 'runId.$': '$.runId', 'failure.$': '$.error' } },
      Next: 'RunFinished',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RunFinished', ResultPath: '$.recordError' }],
    });
    // Not caught into FailRun: the run is COMPLETED before the export starts.
    expect(JSON.stringify(States.ExportToSecurityHub)).not.toContain('FailRun');
  });
});
