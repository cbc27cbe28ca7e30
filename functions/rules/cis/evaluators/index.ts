/**
 * Evaluators: one per ComplianceAsCode template (sysctl, package_removed, file_permissions, …), each a pure
 * function of the facts and the rule's template variables. A rule whose template has no evaluator here is
 * reported NOT_APPLICABLE "not evaluated by this version" and its control is never PASS on its account.
 */
import type { Facts } from '../../../core/facts/facts';
import type { CheckOutcome } from '../../../core/rule';
import type { BenchmarkId } from '../data';
import { ACCOUNT_RULE_EVALUATORS } from './accounts';
import { ACCOUNT_HAND_EVALUATORS } from './accounts-hand';
import { AUDIT_EVALUATORS } from './audit';
import { AUDIT_HAND_EVALUATORS } from './audit-hand';
import { BANNER_EVALUATORS } from './banner';
import { DESKTOP_ROOT_EVALUATORS } from './desktop-root';
import { FILE_EVALUATORS } from './files';
import { FIREWALL_EVALUATORS } from './firewall';
import { FIREWALLD_EVALUATORS } from './firewalld';
import { HAND_WRITTEN_EVALUATORS } from './hand-written';
import { LINEINFILE_EVALUATORS } from './lineinfile';
import { LOGGING_EVALUATORS } from './logging';
import { MODULE_EVALUATORS } from './modules';
import { MOUNT_EVALUATORS } from './mounts';
import { OPEN_PORT_EVALUATORS } from './open-ports';
import { PACKAGE_EVALUATORS } from './packages';
import { PAM_EVALUATORS } from './pam';
import { PAM_HAND_EVALUATORS } from './pam-hand';
import { POSTFIX_EVALUATORS } from './postfix';
import { SERVICE_EVALUATORS } from './services';
import { SINGLE_HAND_EVALUATORS } from './single-hand';
import { sshdLineinfile } from './sshd';
import { SSHD_CRYPTO_EVALUATORS } from './sshd-crypto';
import { SUDO_EVALUATORS } from './sudo';
import { SYSCTL_EVALUATORS } from './sysctl';
import { SYSTEM_CONFIG_EVALUATORS } from './system-config';
import { SYSTEM_HAND_EVALUATORS } from './system-hand';
import { SYSTEMD_DROPIN_EVALUATORS } from './systemd-dropin';
import { USER_ENVIRONMENT_EVALUATORS } from './user-environment';
import { VAR_LOG_EVALUATORS } from './var-log';

export interface EvaluatorInput {
  /** ComplianceAsCode rule id, e.g. sysctl_net_ipv4_ip_forward. */
  ruleId: string;
  benchmark: BenchmarkId;
  /** The template's variables as the benchmark's product resolves them (rules.json). */
  vars: Readonly<Record<string, string>>;
  /** The benchmark's variables (var_password_pam_minlen …) with the run's overrides applied. */
  variables: Readonly<Record<string, string>>;
}

export type Evaluator = (facts: Facts, input: EvaluatorInput) => CheckOutcome;

export type EvaluatorRegistry = Readonly<Record<string, Evaluator>>;

/** Template name → evaluator. */
export const EVALUATORS: EvaluatorRegistry = {
  ...HAND_WRITTEN_EVALUATORS,
  ...ACCOUNT_RULE_EVALUATORS,
  ...ACCOUNT_HAND_EVALUATORS,
  ...SYSTEMD_DROPIN_EVALUATORS,
  ...LOGGING_EVALUATORS,
  ...LINEINFILE_EVALUATORS,
  ...BANNER_EVALUATORS,
  ...DESKTOP_ROOT_EVALUATORS,
  ...PAM_EVALUATORS,
  ...PAM_HAND_EVALUATORS,
  ...FILE_EVALUATORS,
  ...FIREWALL_EVALUATORS,
  ...OPEN_PORT_EVALUATORS,
  ...FIREWALLD_EVALUATORS,
  ...MODULE_EVALUATORS,
  ...MOUNT_EVALUATORS,
  ...PACKAGE_EVALUATORS,
  ...SERVICE_EVALUATORS,
  ...SYSCTL_EVALUATORS,
  ...SUDO_EVALUATORS,
  ...SYSTEM_HAND_EVALUATORS,
  sshd_lineinfile: sshdLineinfile,
  ...SSHD_CRYPTO_EVALUATORS,
  ...AUDIT_EVALUATORS,
  ...AUDIT_HAND_EVALUATORS,
  ...POSTFIX_EVALUATORS,
  ...USER_ENVIRONMENT_EVALUATORS,
  ...SYSTEM_CONFIG_EVALUATORS,
  ...VAR_LOG_EVALUATORS,
  ...SINGLE_HAND_EVALUATORS,
};
