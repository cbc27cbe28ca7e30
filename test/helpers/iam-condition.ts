/**
 * A small evaluator of an IAM statement's Condition block, to check that the instance policy the stack
 * synthesizes and the KMS request the real agent makes agree on key names and value formats.
 *
 * It models only what the instance policy uses: StringEquals, StringLike, Null and
 * ForAllValues:StringEquals; AND across operators and keys, OR across a key's values; case-insensitive key
 * names. Policy variables in condition values are resolved ONLY from the request information the IAM User
 * Guide names for policy variables ("Request information that you can use for policy variables",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-infoallreqs).
 * A variable naming anything else is treated as unresolved, and then the condition does not match (the same
 * page: "If AWS cannot resolve a variable this might cause the entire statement to be invalid"). That is
 * deliberately conservative: it is the question this model exists to answer, whether the policy depends on
 * a variable no document names.
 */

/** Request context keys → one value (single-valued keys) or a list (multivalued keys). */
export type RequestContext = Record<string, string | string[]>;

/** The variables the IAM User Guide lists under "Information available in all requests". */
export const DOCUMENTED_POLICY_VARIABLES = [
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:TokenIssueTime',
  'aws:PrincipalType',
  'aws:SecureTransport',
  'aws:SourceIp',
  'aws:UserAgent',
  'aws:userid',
  'aws:username',
  'ec2:SourceInstanceARN',
] as const;

export interface ConditionResult {
  matches: boolean;
  /** Why it does not match: operator, key and the reason. */
  failures: string[];
}

type ConditionBlock = Record<string, Record<string, unknown>>;

function lookup(request: RequestContext, key: string): string | string[] | undefined {
  const want = key.toLowerCase();
  for (const [k, v] of Object.entries(request)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** Substitutes `${variable}` in a condition value; undefined when a variable does not resolve. */
export function substitute(value: string, request: RequestContext): string | undefined {
  let unresolved = false;
  const out = value.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    const documented = DOCUMENTED_POLICY_VARIABLES.some((v) => v.toLowerCase() === name.toLowerCase());
    const v = documented ? lookup(request, name) : undefined;
    if (typeof v !== 'string') {
      unresolved = true;
      return '';
    }
    return v;
  });
  return unresolved ? undefined : out;
}

function globMatches(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

/** Evaluates a statement's Condition block against a request context. */
export function evaluateCondition(condition: ConditionBlock, request: RequestContext): ConditionResult {
  const failures: string[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    for (const [key, policyValue] of Object.entries(keys)) {
      const actual = lookup(request, key);
      const fail = (why: string) => failures.push(`${operator} ${key}: ${why}`);
      const values = asList(policyValue).map((v) => substitute(v, request));
      if (operator !== 'Null' && values.some((v) => v === undefined)) {
        fail(`a policy variable in ${JSON.stringify(policyValue)} does not resolve`);
        continue;
      }
      const resolved = values as string[];
      switch (operator) {
        case 'StringEquals':
        case 'StringLike': {
          if (typeof actual !== 'string') {
            fail(actual === undefined ? 'key not in the request' : 'multivalued key');
            break;
          }
          const ok = resolved.some((v) =>
            operator === 'StringEquals' ? v === actual : globMatches(v, actual),
          );
          if (!ok) fail(`${JSON.stringify(actual)} is not ${JSON.stringify(resolved)}`);
          break;
        }
        case 'Null': {
          const wantAbsent = String(policyValue) === 'true';
          if ((actual === undefined) !== wantAbsent) fail(wantAbsent ? 'key present' : 'key absent');
          break;
        }
        case 'ForAllValues:StringEquals': {
          const members = actual === undefined ? [] : asList(actual);
          const outside = members.filter((m) => !resolved.includes(m));
          if (outside.length > 0) fail(`${JSON.stringify(outside)} not in ${JSON.stringify(resolved)}`);
          break;
        }
        default:
          fail('operator not modelled');
      }
    }
  }
  return { matches: failures.length === 0, failures };
}

/**
 * The request context IAM builds for kms:GenerateDataKey called with an EC2 instance role session
 * (instance profile): `ec2:SourceInstanceARN` and `aws:userid` (`<role-id>:<instance-id>`) from the session,
 * `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys` from the request's encryption context.
 */
export function kmsRequestFromInstance(input: {
  instanceArn?: string;
  roleId?: string;
  encryptionContext: Record<string, string>;
}): RequestContext {
  const instanceId = input.instanceArn?.split('/').pop();
  const request: RequestContext = {
    'aws:PrincipalType': 'AssumedRole',
    'kms:EncryptionContextKeys': Object.keys(input.encryptionContext),
  };
  if (input.instanceArn) request['ec2:SourceInstanceARN'] = input.instanceArn;
  if (instanceId) request['aws:userid'] = `${input.roleId ?? 'AROAEXAMPLEROLEID'}:${instanceId}`;
  for (const [k, v] of Object.entries(input.encryptionContext)) request[`kms:EncryptionContext:${k}`] = v;
  return request;
}
