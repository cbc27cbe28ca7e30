/**
 * The Security Best Practices rules package (Classic's "Security Best Practices" for Linux): nine static
 * rules over sshd, password policy, kernel hardening and system directory permissions. Non-Linux hosts get
 * NOT_APPLICABLE for every rule (staticRulesPackage judges the platform).
 */
import { type Rule, staticRulesPackage } from '../../core/rule';
import { aslr } from './aslr';
import { dep } from './dep';
import { passwordComplexity } from './password-complexity';
import { passwordMaxAge } from './password-max-age';
import { passwordMinLength } from './password-min-length';
import { sshPasswordAuth } from './ssh-password-auth';
import { sshProtocol2 } from './ssh-protocol-2';
import { sshRootLogin } from './ssh-root-login';
import { systemDirPermissions } from './system-dir-permissions';

export const SECURITY_BEST_PRACTICES_RULES: readonly Rule[] = [
  sshRootLogin,
  sshProtocol2,
  sshPasswordAuth,
  passwordMaxAge,
  passwordMinLength,
  passwordComplexity,
  aslr,
  dep,
  systemDirPermissions,
];

export const securityBestPracticesPackage = staticRulesPackage(
  {
    id: 'security-best-practices',
    name: 'Security Best Practices',
    version: '1.0.0',
    description:
      "Linux host hardening checks in the spirit of Amazon Inspector Classic's Security Best Practices package: " +
      'SSH root login, SSH protocol 2, SSH password authentication, password maximum age, minimum length and ' +
      'complexity, ASLR, DEP (NX) and system directory permissions.',
  },
  SECURITY_BEST_PRACTICES_RULES,
);
