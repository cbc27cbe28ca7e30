/**
 * How the `inspector` CLI reaches the deployed control plane.
 *
 * Transport: direct Lambda invocation. The CLI calls lambda:Invoke on one control-plane function per
 * operation group (targets, templates, runs, findings) with the user's own AWS credentials (the default
 * chain: environment, `--profile`/AWS_PROFILE, SSO, instance role), and the function answers
 * `{ ok, result | error }`. We chose this over an IAM-authorized API Gateway because it needs no public
 * endpoint, no extra service, stage, throttling or WAF configuration, and no SigV4 request signing code in the
 * CLI: access is granted and audited exactly like any other AWS API call (lambda:InvokeFunction on four
 * function ARNs, logged by CloudTrail), and the stack's attack surface stays the AWS APIs themselves. The
 * function names come from environment variables (INSPECTOR_TARGETS_FUNCTION,
 * INSPECTOR_TEMPLATES_FUNCTION, INSPECTOR_RUNS_FUNCTION, INSPECTOR_FINDINGS_FUNCTION) or, by default, from the
 * stack's outputs ControlPlane<Group>FunctionName, read once with CloudFormation DescribeStacks on
 * `--stack-name` (default InspectorClassic, or INSPECTOR_STACK_NAME).
 *
 * The SDK clients are imported when the first call is made, not with this module: the local commands and
 * `--help` never load them (in the built CLI they are a chunk of their own).
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import type { ControlPlaneResponse, ErrorCode } from '../core/control-plane/errors';
import { OPERATION_GROUPS, type OperationGroup } from '../core/control-plane/operation-names';

export const DEFAULT_STACK_NAME = 'InspectorClassic';

export interface ConnectionOptions {
  region?: string;
  profile?: string;
  stackName?: string;
}

/** A refusal from the control plane (Classic's code) or a failure to reach it. */
export class ControlPlaneCallError extends Error {
  override readonly name = 'ControlPlaneCallError';
  constructor(
    readonly code: ErrorCode | 'TransportError',
    message: string,
  ) {
    super(message);
  }
}

export interface ControlPlaneTransport {
  call(group: OperationGroup, operation: string, input: Record<string, unknown>): Promise<unknown>;
}

/** Unwraps a control-plane answer: the result, or a ControlPlaneCallError with its code. */
export function unwrap(response: unknown): unknown {
  const r = response as Partial<ControlPlaneResponse> | null;
  if (r && r.ok === true && 'result' in r) return r.result;
  if (r && r.ok === false && r.error) throw new ControlPlaneCallError(r.error.code, r.error.message);
  throw new ControlPlaneCallError(
    'TransportError',
    'the control-plane function returned an unexpected answer',
  );
}

export function functionEnvName(group: OperationGroup): string {
  return `INSPECTOR_${group.toUpperCase()}_FUNCTION`;
}

export function outputKey(group: OperationGroup): string {
  return `ControlPlane${group[0]!.toUpperCase()}${group.slice(1)}FunctionName`;
}

export class LambdaTransport implements ControlPlaneTransport {
  private names: Promise<Partial<Record<OperationGroup, string>>> | undefined;
  private lambda: LambdaClient | undefined;
  private cfnClient: CloudFormationClient | undefined;
  private readonly config: { region?: string; profile?: string };

  constructor(
    private readonly options: ConnectionOptions,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.config = {
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile } : {}),
    };
  }

  async call(group: OperationGroup, operation: string, input: Record<string, unknown>): Promise<unknown> {
    const functionName = await this.functionName(group);
    const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
    this.lambda ??= new LambdaClient(this.config);
    let out: InvokeCommandOutput;
    try {
      out = await this.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify({ operation, input })),
        }),
      );
    } catch (err) {
      throw new ControlPlaneCallError(
        'TransportError',
        `cannot invoke ${functionName}: ${(err as Error).message}`,
      );
    }
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      let detail = out.FunctionError;
      try {
        const e = JSON.parse(text) as { errorMessage?: string };
        if (e.errorMessage) detail = e.errorMessage;
      } catch {
        // keep the FunctionError kind
      }
      throw new ControlPlaneCallError('TransportError', `${functionName} failed: ${detail}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ControlPlaneCallError('TransportError', `${functionName} returned no JSON`);
    }
    return unwrap(parsed);
  }

  private async functionName(group: OperationGroup): Promise<string> {
    const fromEnv = this.env[functionEnvName(group)];
    if (fromEnv) return fromEnv;
    this.names ??= this.readStackOutputs();
    const name = (await this.names)[group];
    if (!name) {
      throw new ControlPlaneCallError(
        'TransportError',
        `stack ${this.stackName()} has no output ${outputKey(group)}; set ${functionEnvName(group)} or --stack-name`,
      );
    }
    return name;
  }

  private stackName(): string {
    return this.options.stackName ?? this.env.INSPECTOR_STACK_NAME ?? DEFAULT_STACK_NAME;
  }

  private async readStackOutputs(): Promise<Partial<Record<OperationGroup, string>>> {
    const stackName = this.stackName();
    let outputs: Array<{ OutputKey?: string; OutputValue?: string }>;
    try {
      const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
      this.cfnClient ??= new CloudFormationClient(this.config);
      const out = await this.cfnClient.send(new DescribeStacksCommand({ StackName: stackName }));
      outputs = out.Stacks?.[0]?.Outputs ?? [];
    } catch (err) {
      throw new ControlPlaneCallError(
        'TransportError',
        `cannot read stack ${stackName}: ${(err as Error).message}`,
      );
    }
    const names: Partial<Record<OperationGroup, string>> = {};
    for (const group of OPERATION_GROUPS) {
      const o = outputs.find((x) => x.OutputKey === outputKey(group));
      if (o?.OutputValue) names[group] = o.OutputValue;
    }
    return names;
  }
}

type TransportFactory = (options: ConnectionOptions) => ControlPlaneTransport;
const defaultFactory: TransportFactory = (options) => new LambdaTransport(options);
let factory: TransportFactory = defaultFactory;

/** The transport the commands use; tests replace it (an in-process dispatcher, a recording fake). */
export function createTransport(options: ConnectionOptions): ControlPlaneTransport {
  return factory(options);
}

export function setTransportFactory(f: TransportFactory | undefined): void {
  factory = f ?? defaultFactory;
}
