/**
 * The rules' parameters as metadata (name, type, default, accepted values): what a template's
 * `ruleParameters` and `inspector assess --rule-parameter` may set. Metadata only, so the control-plane
 * Lambdas validate templates without bundling the rules; test/unit/rules/parameters.test.ts checks it
 * against the `parameters` of the rules the registry builds.
 */
import type { RuleParameters } from '../core/rule';

export type RuleParameterValue = RuleParameters[string];
export type RuleParameterType = 'number' | 'string' | 'boolean';

export interface RuleParameterInfo {
  name: string;
  type: RuleParameterType;
  default: RuleParameterValue;
  description: string;
  /** A string parameter that takes one of these values only. */
  values?: readonly string[];
  /** A number parameter's accepted range (inclusive). */
  min?: number;
  max?: number;
}

export interface RuleParametersInfo {
  ruleId: string;
  rulesPackage: string;
  parameters: readonly RuleParameterInfo[];
}

/** Overrides by rule id, then parameter name (EvaluationContext.parameters). */
export type RuleParameterOverrides = Record<string, Record<string, RuleParameterValue>>;

/** Every rule that has parameters; a rule not listed has none. */
export const RULE_PARAMETERS: readonly RuleParametersInfo[] = [
  {
    ruleId: 'sbp.password-max-age',
    rulesPackage: 'security-best-practices',
    parameters: [
      {
        name: 'maxDays',
        type: 'number',
        default: 365,
        min: 1,
        max: 99_999,
        description: 'longest accepted password age in days',
      },
    ],
  },
  {
    ruleId: 'sbp.password-min-length',
    rulesPackage: 'security-best-practices',
    parameters: [
      {
        name: 'minLength',
        type: 'number',
        default: 14,
        min: 1,
        max: 1024,
        description: 'shortest accepted minimum length',
      },
    ],
  },
  {
    ruleId: 'sbp.aslr',
    rulesPackage: 'security-best-practices',
    parameters: [
      {
        name: 'requiredValue',
        type: 'number',
        default: 2,
        min: 0,
        max: 2,
        description: 'kernel.randomize_va_space value required',
      },
    ],
  },
  {
    ruleId: 'rba.unused-listening-tcp-ports',
    rulesPackage: 'runtime-behavior-analysis',
    parameters: [
      {
        name: 'minDurationSeconds',
        type: 'number',
        default: 900,
        min: 0,
        max: 86_400,
        description: 'shortest sampling window (seconds) over which ports are judged',
      },
      {
        name: 'includeLoopback',
        type: 'boolean',
        default: false,
        description: 'also report listeners bound to loopback addresses only',
      },
    ],
  },
  {
    ruleId: 'rba.software-without-stack-cookies',
    rulesPackage: 'runtime-behavior-analysis',
    parameters: [
      {
        name: 'scope',
        type: 'string',
        default: 'third-party',
        values: ['third-party', 'all'],
        description: 'third-party: programs no OS package owns; all: every program',
      },
    ],
  },
];

export function ruleParametersInfo(ruleId: string): RuleParametersInfo | undefined {
  return RULE_PARAMETERS.find((r) => r.ruleId === ruleId);
}

/** "rule:name (type, default d)" for every parameter of these packages, for error messages. */
export function knownParameters(rulesPackages: readonly string[]): string {
  const known = RULE_PARAMETERS.filter((r) => rulesPackages.includes(r.rulesPackage)).flatMap((r) =>
    r.parameters.map((p) => `${r.ruleId}:${p.name} (${describeType(p)}, default ${p.default})`),
  );
  return known.length > 0 ? known.join(', ') : '(none)';
}

function describeType(p: RuleParameterInfo): string {
  return p.values ? p.values.join('|') : p.type;
}

export class RuleParameterError extends Error {
  override readonly name = 'RuleParameterError';
}

/**
 * Checks overrides against the metadata: each rule must belong to one of `rulesPackages`, each parameter
 * must exist on its rule with the same type (numbers finite, booleans true/false, strings one of the
 * accepted values where listed). Throws RuleParameterError naming the known parameters.
 */
export function validateRuleParameters(
  overrides: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  rulesPackages: readonly string[],
): RuleParameterOverrides {
  const out: RuleParameterOverrides = {};
  for (const [ruleId, params] of Object.entries(overrides)) {
    const info = ruleParametersInfo(ruleId);
    if (!info || !rulesPackages.includes(info.rulesPackage)) {
      const why = info
        ? `rule ${ruleId} belongs to rules package ${info.rulesPackage}, which is not among ${rulesPackages.join(', ')}`
        : `rule ${ruleId} has no parameters in ${rulesPackages.join(', ')}`;
      throw new RuleParameterError(`${why}; known parameters: ${knownParameters(rulesPackages)}`);
    }
    const checked: Record<string, RuleParameterValue> = {};
    for (const [name, value] of Object.entries(params)) {
      const p = info.parameters.find((x) => x.name === name);
      if (!p) {
        throw new RuleParameterError(
          `rule ${ruleId} has no parameter ${JSON.stringify(name)}; known parameters: ${knownParameters(rulesPackages)}`,
        );
      }
      checked[name] = checkValue(ruleId, p, value);
    }
    out[ruleId] = checked;
  }
  return out;
}

function checkValue(ruleId: string, p: RuleParameterInfo, value: unknown): RuleParameterValue {
  const where = `${ruleId}:${p.name}`;
  switch (p.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new RuleParameterError(`${where} must be a finite number, got ${show(value)}`);
      if ((p.min !== undefined && value < p.min) || (p.max !== undefined && value > p.max))
        throw new RuleParameterError(
          `${where} must be from ${p.min ?? '-∞'} to ${p.max ?? '∞'}, got ${show(value)}`,
        );
      return value;
    case 'boolean':
      if (typeof value !== 'boolean')
        throw new RuleParameterError(`${where} must be true or false, got ${show(value)}`);
      return value;
    default:
      if (typeof value !== 'string')
        throw new RuleParameterError(`${where} must be a string, got ${show(value)}`);
      if (p.values && !p.values.includes(value))
        throw new RuleParameterError(`${where} must be one of ${p.values.join(', ')}, got ${show(value)}`);
      return value;
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${String(value)} (${typeof value})`;
}

/**
 * `RULE:NAME=VALUE` (the command-line form) → a typed override: VALUE is read as the parameter's type when
 * the metadata knows the parameter (a number, true/false), else kept as text for the validation to refuse.
 */
export function parseRuleParameter(text: string): {
  ruleId: string;
  name: string;
  value: RuleParameterValue;
} {
  const m = /^([^:=\s]+):([^:=\s]+)=(.*)$/s.exec(text);
  if (!m) throw new RuleParameterError(`--rule-parameter takes RULE:NAME=VALUE, got ${JSON.stringify(text)}`);
  const [, ruleId, name, raw] = m as unknown as [string, string, string, string];
  const p = ruleParametersInfo(ruleId)?.parameters.find((x) => x.name === name);
  let value: RuleParameterValue = raw;
  if (p?.type === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) value = Number(raw);
  if (p?.type === 'boolean' && (raw === 'true' || raw === 'false')) value = raw === 'true';
  return { ruleId, name, value };
}

/** Repeated `--rule-parameter` options → overrides by rule id (a later value for the same name wins). */
export function parseRuleParameters(texts: readonly string[]): RuleParameterOverrides {
  const byRule = new Map<string, Map<string, RuleParameterValue>>();
  for (const t of texts) {
    const { ruleId, name, value } = parseRuleParameter(t);
    const params = byRule.get(ruleId) ?? new Map<string, RuleParameterValue>();
    params.set(name, value);
    byRule.set(ruleId, params);
  }
  // fromEntries: every name becomes an own property, whatever it is (no prototype setter).
  return Object.fromEntries([...byRule].map(([id, params]) => [id, Object.fromEntries(params)]));
}
