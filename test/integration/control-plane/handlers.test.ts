/**
 * The deployed entry points: each group's Lambda handler built from its environment (tables on DynamoDB
 * Local through AWS_ENDPOINT_URL_DYNAMODB; EC2, SSM and Step Functions through SDK mocks), and stop/delete
 * going through the run lifecycle's own stopRun/deleteRun.
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  startDynamoDbLocal,
  type TableNames,
} from '../../helpers/dynamodb-local';

let ddb: DynamoDbLocal;
let tables: TableNames;
const saved = { ...process.env };
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  tables = await ddb.createTables('handlers');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    TARGETS_TABLE: tables.targets,
    TEMPLATES_TABLE: tables.templates,
    RUNS_TABLE: tables.runs,
    FINDINGS_TABLE: tables.findings,
    LOCKS_TABLE: tables.locks,
    SUPPRESSIONS_TABLE: tables.suppressions,
    STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:AssessmentRun',
    TELEMETRY_BUCKET: 'telemetry',
    KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
    EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:events',
    AGENT_DOCUMENT_NAME: 'InspectorAgent',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [{ InstanceId: 'i-1', State: { Name: 'running' }, Tags: [{ Key: 'Role', Value: 'web' }] }],
      },
    ],
  });
  ssm
    .on(DescribeInstanceInformationCommand)
    .resolves({ InstanceInformationList: [{ InstanceId: 'i-1', PingStatus: 'Online' }] });
  sfn.on(StartExecutionCommand).callsFake((input) => ({
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:AssessmentRun:${input.name}`,
    startDate: new Date(),
  }));
  s3.onAnyCommand().resolves({});
});

afterAll(async () => {
  process.env = saved;
  ec2.restore();
  ssm.restore();
  sfn.restore();
  s3.restore();
  await ddb?.stop();
});

describe('control-plane Lambda handlers', () => {
  it('targets, templates and runs handlers work from their environment', async () => {
    const targets = (await import('../../../functions/handlers/control-plane/targets')).handler;
    const templates = (await import('../../../functions/handlers/control-plane/templates')).handler;
    const runs = (await import('../../../functions/handlers/control-plane/runs')).handler;

    const t = await targets({
      operation: 'create-assessment-target',
      input: { name: 'web', tags: [{ key: 'Role' }] },
    });
    expect(t).toMatchObject({ ok: true, result: { targetId: expect.stringMatching(/^target-/) } });
    const targetId = (t as { result: { targetId: string } }).result.targetId;
    expect(await targets({ operation: 'preview-agents', input: { targetId } })).toMatchObject({
      ok: true,
      result: { items: [{ instanceId: 'i-1', agentHealth: 'HEALTHY' }] },
    });
    expect(await targets({ operation: 'list-findings' })).toMatchObject({
      ok: false,
      error: {
        code: 'InvalidInputException',
        message: 'operation list-findings is served by the findings function, not targets',
      },
    });

    const tpl = await templates({
      operation: 'create-assessment-template',
      input: { name: 'w', targetId, rulesPackages: ['security-best-practices'], durationSeconds: 600 },
    });
    const templateId = (tpl as { result: { templateId: string } }).result.templateId;
    const started = await runs({ operation: 'start-assessment-run', input: { templateId } });
    expect(started).toMatchObject({
      ok: true,
      result: { runId: expect.stringMatching(/^run-\d{8}T\d{6}-[0-9a-f]{8}$/) },
    });
    const runId = (started as { result: { runId: string } }).result.runId;
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toMatchObject({
      name: runId,
      input: JSON.stringify({
        templateId,
        runId,
        name: (started as { result: { name: string } }).result.name,
      }),
    });
  });

  it('stop and delete go through the run lifecycle (stop request recorded; run removed)', async () => {
    const runs = (await import('../../../functions/handlers/control-plane/runs')).handler;
    const base = {
      templateId: 'template-x',
      targetId: 'target-x',
      name: 'r',
      stateHistory: [{ state: 'COLLECTING_DATA', at: '2026-11-30T09:00:00.000Z' }],
      createdAt: '2026-11-30T09:00:00.000Z',
      durationSeconds: 600,
      rulesPackages: ['security-best-practices'],
      findingCounts: { High: 0, Medium: 0, Low: 0, Informational: 0 },
      mode: 'aws',
      instanceCount: 0,
      userAttributes: [],
      topics: [],
      sk: 'RUN',
    };
    await ddb.doc.send(
      new PutCommand({
        TableName: tables.runs,
        Item: { ...base, runId: 'run-live', state: 'COLLECTING_DATA' },
      }),
    );
    await ddb.doc.send(
      new PutCommand({ TableName: tables.runs, Item: { ...base, runId: 'run-done', state: 'COMPLETED' } }),
    );

    expect(
      await runs({
        operation: 'stop-assessment-run',
        input: { runId: 'run-live', stopAction: 'SKIP_EVALUATION' },
      }),
    ).toEqual({
      ok: true,
      result: { runId: 'run-live', stopAction: 'SKIP_EVALUATION' },
    });
    const live = await ddb.doc.send(
      new GetCommand({ TableName: tables.runs, Key: { runId: 'run-live', sk: 'RUN' } }),
    );
    expect(live.Item?.stopRequest).toMatchObject({ action: 'SKIP_EVALUATION' });
    expect(await runs({ operation: 'stop-assessment-run', input: { runId: 'run-live' } })).toMatchObject({
      ok: false,
      error: { code: 'InvalidInputException', message: expect.stringMatching(/already stopping/) },
    });

    expect(await runs({ operation: 'delete-assessment-run', input: { runId: 'run-done' } })).toEqual({
      ok: true,
      result: { runId: 'run-done' },
    });
    const gone = await ddb.doc.send(
      new GetCommand({ TableName: tables.runs, Key: { runId: 'run-done', sk: 'RUN' } }),
    );
    expect(gone.Item).toBeUndefined();
  });

  it('findings handler answers list-rules-packages and list-findings', async () => {
    const findings = (await import('../../../functions/handlers/control-plane/findings')).handler;
    expect(await findings({ operation: 'list-rules-packages' })).toMatchObject({
      ok: true,
      result: { items: { length: 5 } },
    });
    expect(await findings({ operation: 'list-findings', input: { severities: ['High'] } })).toEqual({
      ok: true,
      result: { items: [] },
    });
  });
});
