/**
 * One Lambda of the product: NodejsFunction bundled with the local esbuild (no Docker), Node.js 22 on
 * arm64, minified with source maps, JSON logs into its own KMS-encrypted log group with a retention,
 * X-Ray tracing, and a role of its own that starts with nothing but writing its logs and traces.
 */
import path from 'node:path';
import { Duration, RemovalPolicy, type Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../../scripts/build-agent';

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;
export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * Every Lambda's index.js stays under this (test/infra/inspector-stack.test.ts; figures from
 * `npx tsx bench/bundles.ts`): less code to parse at each cold start.
 */
export const BUNDLE_LIMIT_BYTES = 500 * 1024;

/**
 * esbuild settings of every Lambda bundle, index.js and side bundles alike (bench/bundles.ts builds with the
 * same). `mainFields` prefers a package's ES module build where it ships one beside CommonJS: the Encryption
 * SDK's packages (@aws-crypto/*, `sideEffects: false`) then shake down to what is imported (the evaluate
 * bundle loses ~110 KiB: the hierarchical keyring, caching, raw RSA). Packages with an `exports` map resolve
 * through it as before.
 */
export const LAMBDA_BUNDLING = {
  target: 'node22',
  minify: true,
  // The Node.js 22 runtime ships AWS SDK v3; bundling it would multiply every bundle's size.
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
} as const;

export interface InspectorFunctionProps {
  /** Handler file, relative to the repository root (e.g. functions/handlers/start-run.ts). */
  entry: string;
  description: string;
  environment: Record<string, string>;
  key: kms.IKey;
  memorySize?: number;
  timeout?: Duration;
  ephemeralStorageSize?: Size;
  reservedConcurrentExecutions?: number;
  /** Powertools service name (structured logs). */
  serviceName: string;
  /**
   * Data files copied beside the bundle's index.js (paths relative to the repository root → a folder
   * of the bundle), read at run time instead of bundled (the cis benchmark data of the evaluate Lambda).
   */
  bundleFiles?: Array<{ from: string; to: string }>;
  /**
   * Modules bundled into files of their own beside index.js (entry relative to the repository root →
   * outfile relative to the bundle), loaded by the handler on first use: code that only some
   * invocations need (the cis package) stays out of index.js.
   */
  sideBundles?: Array<{ entry: string; outfile: string }>;
}

export class InspectorFunction extends Construct {
  /** The handler file and the side bundles, as given (bench/bundles.ts rebuilds them with LAMBDA_BUNDLING). */
  readonly entry: string;
  readonly sideBundles: ReadonlyArray<{ entry: string; outfile: string }>;
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  private readonly anyResourceActions: string[] = [];

  constructor(scope: Construct, id: string, props: InspectorFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.sideBundles = props.sideBundles ?? [];
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: LOG_RETENTION,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: ${props.description}`.slice(0, 1000),
    });
    // Its own log group only (instead of AWSLambdaBasicExecutionRole, which covers every log group).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      ...(props.ephemeralStorageSize ? { ephemeralStorageSize: props.ephemeralStorageSize } : {}),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        // Stack traces through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      bundling: {
        forceDockerBundling: false,
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: true,
        sourcesContent: false,
        target: LAMBDA_BUNDLING.target,
        format: nodejs.OutputFormat.CJS,
        externalModules: [...LAMBDA_BUNDLING.external],
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        logLevel: nodejs.LogLevel.ERROR,
        ...(props.bundleFiles?.length || props.sideBundles?.length
          ? { commandHooks: besideBundle(props.bundleFiles ?? [], props.sideBundles ?? []) }
          : {}),
      },
    });
    this.anyResourceActions.push('xray:PutTraceSegments', 'xray:PutTelemetryRecords');
    this.acknowledgeAnyResource();
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: `${id} is pinned to Node.js 22, the runtime the agent executables and the project toolchain are tested on; moving to 24 is a deliberate upgrade, not a synth-time default.`,
    });
  }

  /** Allows actions that support no resource-level permissions ("*"), with the reason in the nag report. */
  allowOnAnyResource(sid: string, actions: string[]): void {
    this.role.addToPolicy(new iam.PolicyStatement({ sid, actions, resources: ['*'] }));
    this.anyResourceActions.push(...actions);
    this.acknowledgeAnyResource();
  }

  /** Acknowledges one cdk-nag IAM5 finding (`Resource::…` or `Action::…`) on this function's policies. */
  acknowledgeWildcard(evidence: string, reason: string): void {
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[${evidence}]`,
      reason: `${this.node.id}: ${reason}`,
    });
  }

  private acknowledgeAnyResource(): void {
    this.acknowledgeWildcard(
      'Resource::*',
      `${[...new Set(this.anyResourceActions)].join(', ')} support no resource-level permissions, so "*" is the only resource they accept.`,
    );
  }
}

/**
 * Bundling hooks that copy files (globs allowed in `from`) into folders of the bundle output and bundle side
 * modules with the same esbuild settings as index.js. A side module's `import.meta.url` is its own file's
 * URL (CJS has none; pdfkit's ES build resolves its data files from it, report/pdf.ts its fonts).
 */
function besideBundle(
  files: Array<{ from: string; to: string }>,
  bundles: Array<{ entry: string; outfile: string }>,
): nodejs.ICommandHooks {
  const q = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      ...files.map(
        ({ from, to }) =>
          `mkdir -p ${q(path.join(outputDir, to))} && cp ${q(inputDir)}/${from} ${q(path.join(outputDir, to))}/`,
      ),
      ...bundles.map(
        ({ entry, outfile }) =>
          `${q(path.join(inputDir, 'node_modules/.bin/esbuild'))} ${q(path.join(inputDir, entry))} ${sideBundleArgs(
            inputDir,
          )
            .map(q)
            .join(' ')} --outfile=${q(path.join(outputDir, outfile))}`,
      ),
    ],
  };
}

/**
 * esbuild CLI arguments of a side bundle (besides entry and outfile): LAMBDA_BUNDLING, and `import.meta.url`
 * defined as the file's own URL.
 */
export function sideBundleArgs(root: string = REPO_ROOT): string[] {
  return [
    '--bundle',
    '--platform=node',
    `--target=${LAMBDA_BUNDLING.target}`,
    '--format=cjs',
    ...(LAMBDA_BUNDLING.minify ? ['--minify'] : []),
    '--log-level=error',
    ...LAMBDA_BUNDLING.external.map((e) => `--external:${e}`),
    `--main-fields=${LAMBDA_BUNDLING.mainFields.join(',')}`,
    `--define:import.meta.url=${SIDE_BUNDLE_IMPORT_META_URL}`,
    `--banner:js=${SIDE_BUNDLE_BANNER}`,
    ...Object.entries(SIDE_BUNDLE_ALIASES).map(([from, to]) => `--alias:${from}=${path.join(root, to)}`),
  ];
}

/**
 * Modules a side bundle takes from elsewhere: fontkit's WOFF2 decompression (the PDF renderer) by Node's own
 * brotli instead of the `brotli` package's JavaScript port, whose dictionary is half the renderer's bundle.
 */
export const SIDE_BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  'brotli/decompress.js': 'functions/report/brotli-decompress.ts',
};

const SIDE_BUNDLE_IMPORT_META_URL = '__importMetaUrl';
const SIDE_BUNDLE_BANNER = `var ${SIDE_BUNDLE_IMPORT_META_URL}=require('url').pathToFileURL(__filename).href;`;

/** The same side bundle settings in esbuild's JavaScript API terms (bench/bundles.ts). */
export const SIDE_BUNDLE_API_OPTIONS = {
  define: { 'import.meta.url': SIDE_BUNDLE_IMPORT_META_URL },
  banner: { js: SIDE_BUNDLE_BANNER },
  alias: Object.fromEntries(
    Object.entries(SIDE_BUNDLE_ALIASES).map(([from, to]) => [from, path.join(REPO_ROOT, to)]),
  ),
} as const;
