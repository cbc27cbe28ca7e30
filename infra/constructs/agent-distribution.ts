/**
 * How the agent reaches instances and what an instance may do:
 *
 * - the agent artifacts as S3 assets, each the gzip -9 copy of the artifact (`<file>.gz`, compressedArtifact
 *   in scripts/build-agent.ts): the esbuild bundle (built and compressed at every synth) and, when
 *   `npm run build:agent` has built them, the linux x64/arm64 single executables and the legacy artifacts.
 *   An artifact's `sha256` is that of the DECOMPRESSED file, the key of the instance's cache;
 * - the SSM Command document. It has one step, a shell script: it chooses the artifact (the executable of
 *   the instance's architecture, or the legacy one when glibc is older than 2.28), checks the architecture,
 *   and gets the artifact from the instance's cache (`agent_fetch`, agent-cache-script.ts): kept by its
 *   SHA-256 under /var/lib/inspector-agent/cache, checked on every run, downloaded (gzip) only when missing
 *   or altered, through the pre-signed S3 GET URL Dispatch passes as `agentUrl` / `legacyAgentUrl`
 *   (functions/adapters/aws/agent-artifact-urls.ts). No AWS CLI and no instance permission on the assets
 *   bucket are needed: the URL carries the Dispatch role's read of exactly that object. Then it runs the
 *   agent with the run's parameters;
 * - the artifact of each instance architecture (`byArchitecture`), which the stack passes to Dispatch so
 *   it sends every instance the artifact built for it (one SendCommand per architecture batch).
 *
 * Exit codes of the document (each ends as an AGENT_FAILED exclusion): 10 the run directory cannot be
 * created, 11 the download is not the expected artifact (not gzip, or another SHA-256), 12 agentKey is not
 * one of this deployment's artifacts, 13 the artifact is for another architecture, 14 the bundle needs node,
 * 15 no instance id, 16 legacyAgentKey is not a legacy artifact, 17 the download failed (no curl or wget,
 * HTTP or network error: an expired URL, no route to S3; disk full); otherwise the agent's own exit code.
 *
 * Artifacts and architectures: an executable runs only on its own architecture (the document compares
 * `uname -m` and exits 13 on a mismatch, before downloading anything, so Dispatch must choose it per
 * instance). The bundle (agent.js) has no architecture check: the document runs it as `node <cached file>`,
 * which needs Node.js >= 20 on the instance's PATH, and exits 14 with that message when node is missing
 * (then Poll records the command as failed, an AGENT_FAILED exclusion). When the executables were not built
 * (`npm run build:agent`), the bundle is the artifact of both x86_64 and arm64, and the document's default.
 * - hosts with glibc older than 2.28 (Amazon Linux 2, RHEL/CentOS 7, Ubuntu 18.04), where the Node.js 22
 *   executables cannot start: when `npm run build:agent` built the legacy artifacts (Node.js 16, glibc
 *   2.17+, scripts/build-agent.ts), Dispatch passes the legacy artifact of the instance's architecture too
 *   (`legacyAgentKey`/`legacyAgentSha256`/`legacyAgentUrl`), and the shell step fetches and runs it INSTEAD
 *   of the executable when `getconf GNU_LIBC_VERSION` reports glibc < 2.28 (exit 16 when the legacy
 *   parameter does not name a legacy artifact). Each host therefore downloads one artifact, once per version.
 * - the managed policy `<stack name>-AgentInstancePolicy-<region>` users attach to instance roles (IAM names
 *   are global to the account: the stack name keeps two stacks in one region apart).
 *
 * Instance permission design. The telemetry object key names its instance
 * (telemetry/<runId>/<instanceId>.bin) but S3 has no policy variable that holds the caller's bare instance
 * id, so S3 PutObject is scoped to the telemetry/ prefix and must carry SSE-KMS with the stack key. Binding
 * the object to its instance in S3 as well would need object keys built from `${ec2:SourceInstanceARN}`
 * (the whole ARN, colons and slash included) or from `${aws:userid}` (`<role-id>:<instance-id>`, a role id
 * the agent does not know without another call), and a new layout for the evaluator. It is left as is: an
 * object in S3 is never trusted by itself, its envelope is (below).
 *
 * The binding is on KMS: kms:GenerateDataKey for the envelope is allowed only when the encryption context's
 * `inspector:instance-arn` equals `${ec2:SourceInstanceARN}`, with exactly the envelope's context keys.
 * `ec2:SourceInstanceARN` is listed by the IAM User Guide among the request information usable as a policy
 * variable ("IAM policy elements: Variables and tags", section "Request information that you can use for
 * policy variables", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
 * the ARN of the EC2 instance the request comes from, present when it uses a role of an instance profile;
 * and the same page allows variables in the values of string conditions. The encryption-context key is the
 * condition KEY, compared as AWS KMS documents (kms:EncryptionContext:context-key,
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html). The previous condition
 * compared `aws:userid` with `*:${kms:EncryptionContext:inspector:instance-id}`, i.e. used an
 * encryption-context key as a policy VARIABLE, which no AWS page we found shows (only a general sentence that
 * single-valued keys can be variables); had IAM not resolved it, every GenerateDataKey would have been denied.
 *
 * The agent builds the ARN from its instance id and the partition, region and account of the key ARN it is
 * given (the stack sends commands to instances of its own account and region); the evaluator refuses an
 * envelope whose context does not name exactly the ARN of the instance it expects, or has no ARN (telemetry
 * of agents before this binding; telemetry lives 30 days and every run checks the agent's version (a new one is downloaded), so a new
 * run replaces it). An instance therefore cannot produce telemetry that decrypts as another instance's; at
 * worst a compromised instance overwrites another's object with garbage, which ends as an exclusion for that
 * instance, never as forged results. Callers without an instance profile (SSM hybrid nodes, users) have no
 * ec2:SourceInstanceARN and get no data key.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AgentArchitecture } from '../../functions/core/run-lifecycle/agent-artifacts';
import { CONTEXT_KEYS, TELEMETRY_SCHEMA_VERSION } from '../../functions/core/telemetry';
import {
  type AgentPlatform,
  type BuiltArtifact,
  buildAgentBundle,
  builtExecutables,
  builtLegacyExecutables,
  compressedArtifact,
  describeArtifact,
  EXECUTABLE_GLIBC,
  LEGACY_GLIBC,
} from '../../scripts/build-agent';
import { agentCacheScript } from './agent-cache-script';
import { COMMAND_OUTPUT_PREFIX } from './data-stores';
import { resourceEvidence } from './nag-evidence';

/** The agent's directory on the instance: the cache (cache/) and one directory per run (runs/<runId>/). */
export const AGENT_WORK_DIR = '/var/lib/inspector-agent';
/** Where the verified agents are kept between runs, one directory per SHA-256 (agent-cache-script.ts). */
export const AGENT_CACHE_DIR = `${AGENT_WORK_DIR}/cache`;
/**
 * A run's own directory, removed when the step ends: the legacy artifact unpacks its Node.js runtime there
 * (INSPECTOR_AGENT_TMPDIR). Under runs/, so no run id can name the cache.
 */
export const AGENT_RUNS_DIR = `${AGENT_WORK_DIR}/runs`;
/** Seconds the run step may take: Classic's longest duration (24 h) plus margin. */
export const AGENT_STEP_TIMEOUT_SECONDS = 90_000;

/**
 * The document's parameter names. runId, durationSeconds, uploadBucket, uploadPrefix and kmsKeyArn are the
 * contract with Dispatch (functions/core/run-lifecycle/agent-command.ts); region, agentKey and agentSha256
 * default to this deployment's values; agentUrl (and legacyAgentUrl) default to empty: a version already in
 * the instance's cache runs without one, a missing one ends in exit 17.
 */
export const DOCUMENT_PARAMETERS = {
  runId: 'runId',
  durationSeconds: 'durationSeconds',
  bucket: 'uploadBucket',
  prefix: 'uploadPrefix',
  kmsKeyArn: 'kmsKeyArn',
  uploadJitterSeconds: 'uploadJitterSeconds',
  region: 'region',
  agentKey: 'agentKey',
  agentSha256: 'agentSha256',
  /** The pre-signed S3 GET URL of agentKey (Dispatch; a bearer token, never logged). */
  agentUrl: 'agentUrl',
  /** Present when the legacy artifacts were built: the glibc 2.17+ artifact of the same architecture. */
  legacyAgentKey: 'legacyAgentKey',
  legacyAgentSha256: 'legacyAgentSha256',
  legacyAgentUrl: 'legacyAgentUrl',
} as const;

/** The legacy (Node.js 16, glibc 2.17+) artifact of a platform. */
export type LegacyArtifactKind = `${AgentPlatform}-glibc217`;
export type ArtifactKind = 'bundle' | AgentPlatform | LegacyArtifactKind;

export interface AgentArtifact {
  kind: ArtifactKind;
  /** The gzip copy (`<file>.gz`) in the CDK assets bucket. */
  asset: s3assets.Asset;
  /** SHA-256 and size of the DECOMPRESSED artifact (what the instance checks and keeps). */
  sha256: string;
  bytes: number;
  /** What an instance downloads, once per version. */
  compressedBytes: number;
}

export interface AgentDistributionProps {
  telemetryBucket: s3.IBucket;
  key: kms.IKey;
  /** Ship the single executables when built (default true); the bundle is always shipped. */
  includeExecutables?: boolean;
}

/** IAM managed policy names are at most 128 characters; regions are at most 14. */
export function agentInstancePolicyName(stackName: string, region: string): string {
  if (stackName.length > 128 - '-AgentInstancePolicy-'.length - 14)
    throw new Error(`stack name ${stackName} is too long for the agent instance policy name (at most 93)`);
  return `${stackName}-AgentInstancePolicy-${region}`;
}

const UNAME: Record<AgentPlatform, string> = { 'linux-x64': 'x86_64', 'linux-arm64': 'aarch64' };
const PLATFORM_OF: Record<Exclude<ArtifactKind, 'bundle'>, AgentPlatform> = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'linux-x64-glibc217': 'linux-x64',
  'linux-arm64-glibc217': 'linux-arm64',
};

export class AgentDistribution extends Construct {
  readonly artifacts: AgentArtifact[];
  /** The artifact the document runs when the caller does not choose one. */
  readonly defaultArtifact: AgentArtifact;
  /** The artifact Dispatch sends to instances of each architecture: its executable, else the bundle. */
  readonly byArchitecture: Record<AgentArchitecture, AgentArtifact>;
  /** The legacy artifact (glibc 2.17+) Dispatch sends beside the executable, when built. */
  readonly legacyByArchitecture: Partial<Record<AgentArchitecture, AgentArtifact>>;
  /** The S3 object ARNs of every artifact: what Dispatch may read (and so pre-sign), nothing else. */
  readonly artifactObjectArns: string[];
  readonly document: ssm.CfnDocument;
  readonly instancePolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: AgentDistributionProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // The bundle is rebuilt at every synth; its gzip copy with it (about 1.3 MB, well under a second).
    const built: Array<{ kind: ArtifactKind; artifact: BuiltArtifact }> = [
      { kind: 'bundle', artifact: buildAgentBundle() },
    ];
    if (props.includeExecutables ?? true) {
      for (const [platform, file] of Object.entries(builtExecutables()) as Array<[AgentPlatform, string]>) {
        built.push({ kind: platform, artifact: describeArtifact(file) });
      }
      for (const [platform, file] of Object.entries(builtLegacyExecutables()) as Array<
        [AgentPlatform, string]
      >) {
        built.push({ kind: `${platform}-glibc217`, artifact: describeArtifact(file) });
      }
    }
    this.artifacts = built.map(({ kind, artifact }) => {
      const gz = compressedArtifact(artifact);
      return {
        kind,
        asset: new s3assets.Asset(this, `Agent-${kind}`, { path: gz.compressedFile }),
        sha256: gz.sha256,
        bytes: gz.bytes,
        compressedBytes: gz.compressedBytes,
      };
    });
    this.artifactObjectArns = this.artifacts.map(
      (a) => `arn:${stack.partition}:s3:::${a.asset.s3BucketName}/${a.asset.s3ObjectKey}`,
    );
    const bundle = this.artifacts[0] as AgentArtifact;
    const ofKind = (kind: ArtifactKind) => this.artifacts.find((a) => a.kind === kind) ?? bundle;
    this.byArchitecture = { x86_64: ofKind('linux-x64'), arm64: ofKind('linux-arm64') };
    this.defaultArtifact = this.byArchitecture.x86_64;
    const legacyOf = (kind: LegacyArtifactKind) => this.artifacts.find((a) => a.kind === kind);
    this.legacyByArchitecture = {};
    const legacyX64 = legacyOf('linux-x64-glibc217');
    const legacyArm64 = legacyOf('linux-arm64-glibc217');
    if (legacyX64 && this.byArchitecture.x86_64.kind !== 'bundle')
      this.legacyByArchitecture.x86_64 = legacyX64;
    if (legacyArm64 && this.byArchitecture.arm64.kind !== 'bundle')
      this.legacyByArchitecture.arm64 = legacyArm64;
    const legacyArtifacts = this.artifacts.filter((a) => a.kind.endsWith('-glibc217'));
    const legacyDefault = this.legacyByArchitecture.x86_64 ?? legacyArtifacts[0];
    const assetBucket = this.defaultArtifact.asset.s3BucketName;

    const P = DOCUMENT_PARAMETERS;
    // Which architecture an artifact runs on ('any': the bundle, run with node); unknown keys: status 1.
    const archOf = (artifacts: AgentArtifact[]) => [
      '  case "$1" in',
      ...artifacts.map(
        (a) =>
          `    '${a.asset.s3ObjectKey}') echo '${a.kind === 'bundle' ? 'any' : UNAME[PLATFORM_OF[a.kind]]}' ;;`,
      ),
      '    *) return 1 ;;',
      '  esac',
    ];
    // glibc 2.0 .. 2.27 (with or without a patch level): too old for the Node.js 22 executables (EXECUTABLE_GLIBC).
    const oldGlibc = '2.[0-9]|2.[0-9].*|2.1[0-9]|2.1[0-9].*|2.2[0-7]|2.2[0-7].*';
    if (EXECUTABLE_GLIBC !== '2.28') throw new Error('update the old-glibc pattern of the agent document');
    // On hosts whose glibc is too old for the executable: the legacy artifact instead (it alone is fetched).
    const legacySwitch = legacyDefault
      ? [
          'legacy_of() {',
          ...archOf(legacyArtifacts),
          '}',
          'if [ "$arch_want" != any ]; then',
          '  glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null)"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
          '  glibc="${glibc#glibc }"',
          `  legacy_key='{{ ${P.legacyAgentKey} }}'`,
          `  legacy_sha256='{{ ${P.legacyAgentSha256} }}'`,
          `  case "$glibc" in ${oldGlibc})`,
          '    if ! arch_want="$(legacy_of "$legacy_key")"; then',
          `      echo "inspector: this host has glibc $glibc, the agent executable needs ${EXECUTABLE_GLIBC}, and legacyAgentKey names no legacy artifact" >&2; exit 16`,
          '    fi',
          `    echo "inspector: glibc $glibc is older than ${EXECUTABLE_GLIBC}: running the legacy agent artifact (Node.js 16)" >&2`,
          // The executable's version is spared by the pruning (another host kind may share this cache).
          '    keep="$expected"',
          '    key="$legacy_key"; expected="$legacy_sha256"',
          `    url='{{ ${P.legacyAgentUrl} }}' ;;`,
          '  *) keep="$legacy_sha256" ;;',
          '  esac',
          'fi',
        ]
      : [];
    const script = [
      'set -u',
      `run_dir='${AGENT_RUNS_DIR}/{{ ${P.runId} }}'`,
      `trap 'rm -rf "$run_dir"' EXIT`,
      ...agentCacheScript(AGENT_CACHE_DIR),
      `key='{{ ${P.agentKey} }}'`,
      `expected='{{ ${P.agentSha256} }}'`,
      `url='{{ ${P.agentUrl} }}'`,
      "keep=''",
      'artifact_of() {',
      ...archOf(this.artifacts.filter((a) => !a.kind.endsWith('-glibc217'))),
      '}',
      'if ! arch_want="$(artifact_of "$key")"; then',
      "  echo 'inspector: agentKey names none of the agent artifacts of this deployment' >&2; exit 12",
      'fi',
      ...legacySwitch,
      // Checked before anything is downloaded.
      'if [ "$arch_want" != any ]; then',
      '  arch="$(uname -m)"',
      '  if [ "$arch" != "$arch_want" ]; then',
      '    echo "inspector: this instance is $arch, the agent artifact is for $arch_want; send the matching agentKey/agentSha256" >&2; exit 13',
      '  fi',
      'elif ! command -v node >/dev/null 2>&1; then',
      '  echo "inspector: the agent bundle needs Node.js >= 20 on PATH (or ship the executables: npm run build:agent)" >&2; exit 14',
      'fi',
      'if ! (umask 077 && mkdir -p "$run_dir"); then',
      '  echo "inspector: cannot create the run directory $run_dir" >&2; exit 10',
      'fi',
      // Downloads only when this version is not in the cache (exit 17 download failed, 11 wrong artifact).
      // $keep unquoted: empty, it passes nothing.
      'agent_fetch "$url" "$expected" $keep',
      'if [ "$arch_want" != any ]; then set -- "$fetched"; else set -- node "$fetched"; fi',
      // The legacy artifact unpacks its runtime here, not beside itself in the cache.
      'INSPECTOR_AGENT_TMPDIR="$run_dir"; export INSPECTOR_AGENT_TMPDIR',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'instance_id="${AWS_SSM_INSTANCE_ID:-}"',
      'if [ -z "$instance_id" ] && command -v curl >/dev/null 2>&1; then',
      '  token="$(curl -sf -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token || true)"',
      '  instance_id="$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id || true)"',
      'fi',
      'if [ -z "$instance_id" ]; then echo "inspector: cannot tell this instance id" >&2; exit 15; fi',
      // Passed only when set, so an artifact built before --upload-jitter existed still runs with 0.
      `jitter='{{ ${P.uploadJitterSeconds} }}'`,
      'case "$jitter" in ""|0) ;; *) set -- "$@" --upload-jitter "$jitter" ;; esac',
      '"$@" \\',
      `  --run-id '{{ ${P.runId} }}' --instance-id "$instance_id" --duration '{{ ${P.durationSeconds} }}' \\`,
      `  --bucket '{{ ${P.bucket} }}' --prefix '{{ ${P.prefix} }}' --kms-key-arn '{{ ${P.kmsKeyArn} }}' --region '{{ ${P.region} }}'`,
      'exit $?',
    ];
    // A pre-signed GET of one artifact at the assets bucket's regional endpoint (what an S3 gateway endpoint
    // carries), or empty. The character set keeps the value inside the script's single quotes.
    const urlPattern = `^(https://${assetBucket}[.]s3[.]${stack.region}[.]${stack.urlSuffix}/[a-f0-9]{64}[.]gz[?][A-Za-z0-9%._~&=-]+)?$`;

    this.document = new ssm.CfnDocument(this, 'AgentDocument', {
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      targetType: '/AWS::EC2::Instance',
      content: {
        schemaVersion: '2.2',
        description:
          'Inspector agent: takes the agent from the instance cache by its SHA-256 or downloads the gzip artifact once per version (pre-signed URL), verifies it (fails closed), collects telemetry for the run duration, encrypts it with KMS and uploads it.',
        parameters: {
          [P.runId]: {
            type: 'String',
            description: 'Assessment run id.',
            allowedPattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
          },
          [P.durationSeconds]: {
            type: 'String',
            description: 'Sampling window in seconds (0 to 86400).',
            default: '0',
            allowedPattern: '^[0-9]{1,5}$',
          },
          [P.bucket]: {
            type: 'String',
            description: 'Telemetry bucket.',
            default: props.telemetryBucket.bucketName,
            allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
          },
          [P.prefix]: {
            type: 'String',
            description:
              'Key prefix of the run (telemetry/<runId>/ when empty); the agent appends <instanceId>.bin.',
            default: '',
            allowedPattern: '^([A-Za-z0-9._:=-]+/)*$',
          },
          [P.kmsKeyArn]: {
            type: 'String',
            description: 'KMS key of the telemetry envelope.',
            default: props.key.keyArn,
            allowedPattern: '^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$',
          },
          [P.uploadJitterSeconds]: {
            type: 'String',
            description:
              'The agent waits a random 0..N seconds after sampling, before KMS and the upload, so a fleet does not reach them at once (Dispatch sends limits.agentUploadJitterSeconds, default 30; 0: no wait).',
            default: '0',
            allowedPattern: '^[0-9]{1,4}$',
          },
          [P.region]: {
            type: 'String',
            description: 'Region of the bucket and key.',
            default: stack.region,
            allowedPattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
          },
          [P.agentKey]: {
            type: 'String',
            description: `Agent artifact (S3 key of its gzip copy in the CDK assets bucket), chosen per instance architecture by Dispatch: ${this.artifacts
              .filter((a) => !a.kind.endsWith('-glibc217'))
              .map((a) => `${a.kind}=${a.asset.s3ObjectKey}`)
              .join(', ')}. Executables run only on their architecture; the bundle needs node >= 20 on PATH.`,
            default: this.defaultArtifact.asset.s3ObjectKey,
            allowedValues: this.artifacts
              .filter((a) => !a.kind.endsWith('-glibc217'))
              .map((a) => a.asset.s3ObjectKey),
          },
          [P.agentSha256]: {
            type: 'String',
            description:
              'Expected SHA-256 (hex) of the decompressed agent artifact, its key in the instance cache; the command fails when the download differs.',
            default: this.defaultArtifact.sha256,
            allowedPattern: '^[a-f0-9]{64}$',
          },
          [P.agentUrl]: {
            type: 'String',
            description:
              'Pre-signed S3 GET URL of agentKey (Dispatch signs it for the command timeout). Used only when the instance cache lacks agentSha256; empty: the cached agent or exit 17.',
            default: '',
            allowedPattern: urlPattern,
          },
          ...(legacyDefault
            ? {
                [P.legacyAgentKey]: {
                  type: 'String',
                  description: `Legacy agent artifact (Node.js 16, glibc ${LEGACY_GLIBC}+) of the instance architecture, fetched and run instead of agentKey's executable when the host's glibc is older than ${EXECUTABLE_GLIBC}: ${legacyArtifacts.map((a) => `${a.kind}=${a.asset.s3ObjectKey}`).join(', ')}.`,
                  default: legacyDefault.asset.s3ObjectKey,
                  allowedValues: legacyArtifacts.map((a) => a.asset.s3ObjectKey),
                },
                [P.legacyAgentSha256]: {
                  type: 'String',
                  description: 'Expected SHA-256 (hex) of the decompressed legacy agent artifact.',
                  default: legacyDefault.sha256,
                  allowedPattern: '^[a-f0-9]{64}$',
                },
                [P.legacyAgentUrl]: {
                  type: 'String',
                  description:
                    'Pre-signed S3 GET URL of legacyAgentKey; used only on hosts with glibc older than 2.28 whose cache lacks it.',
                  default: '',
                  allowedPattern: urlPattern,
                },
              }
            : {}),
        },
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'runAgent',
            precondition: { StringEquals: ['platformType', 'Linux'] },
            inputs: { timeoutSeconds: String(AGENT_STEP_TIMEOUT_SECONDS), runCommand: script },
          },
        ],
      },
    });

    const key = props.key;
    const bucket = props.telemetryBucket;
    this.instancePolicy = new iam.ManagedPolicy(this, 'InspectorAgentInstancePolicy', {
      managedPolicyName: agentInstancePolicyName(stack.stackName, stack.region),
      description:
        'Attach to the instance role of instances Inspector assesses (with AmazonSSMManagedInstanceCore): upload its own encrypted telemetry and the command output. The agent artifact comes through a pre-signed URL from Dispatch.',
      statements: [
        new iam.PolicyStatement({
          sid: 'UploadTelemetry',
          actions: ['s3:PutObject'],
          resources: [bucket.arnForObjects('telemetry/*')],
          conditions: {
            StringEquals: {
              's3:x-amz-server-side-encryption': 'aws:kms',
              's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn,
            },
          },
        }),
        new iam.PolicyStatement({
          sid: 'WriteRunCommandOutput',
          actions: ['s3:PutObject'],
          resources: [bucket.arnForObjects(`${COMMAND_OUTPUT_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'EncryptOwnTelemetryEnvelope',
          actions: ['kms:GenerateDataKey'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: {
              // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
              [`kms:EncryptionContext:${CONTEXT_KEYS.instanceArn}`]: '${ec2:SourceInstanceARN}',
              [`kms:EncryptionContext:${CONTEXT_KEYS.schema}`]: String(TELEMETRY_SCHEMA_VERSION),
              [`kms:EncryptionContext:${CONTEXT_KEYS.encoding}`]: 'gzip+json',
            },
            Null: {
              [`kms:EncryptionContext:${CONTEXT_KEYS.run}`]: 'false',
              [`kms:EncryptionContext:${CONTEXT_KEYS.instance}`]: 'false',
              [`kms:EncryptionContext:${CONTEXT_KEYS.instanceArn}`]: 'false',
            },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': Object.values(CONTEXT_KEYS) },
          },
        }),
        new iam.PolicyStatement({
          sid: 'S3ServerSideEncryptionOfUploads',
          actions: ['kms:GenerateDataKey'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: {
              // The partition's domain (amazonaws.com, amazonaws.com.cn in aws-cn)
              'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
              'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
            },
          },
        }),
      ],
    });
    Validations.of(this.instancePolicy).acknowledge({
      id: `AwsSolutions-IAM5[${resourceEvidence(this, bucket.arnForObjects('telemetry/*'))}]`,
      reason:
        'Agents upload telemetry/<runId>/<instanceId>.bin; run ids exist only at run time and S3 has no variable for the bare instance id. The binding to the instance is the KMS condition: the encryption context inspector:instance-arn must equal the ec2:SourceInstanceARN policy variable (IAM User Guide, reference_policies_variables), and uploads must use SSE-KMS with the stack key.',
    });
    Validations.of(this.instancePolicy).acknowledge({
      id: `AwsSolutions-IAM5[${resourceEvidence(this, bucket.arnForObjects(`${COMMAND_OUTPUT_PREFIX}*`))}]`,
      reason:
        'The SSM agent writes Run Command output under command-output/<runId>/<commandId>/<instanceId>/, all ids known only at run time.',
    });
  }
}
