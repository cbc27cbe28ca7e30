/**
 * Hand-written ComplianceAsCode rules (`rule:<id>`) over the agent's file system walk and GRUB files:
 * - file_permissions_unauthorized_world_writable, dir_perms_world_writable_sticky_bits,
 *   no_files_unowned_by_user, file_permissions_ungroupowned: what the bounded walk of local file systems
 *   found (functions/core/facts/file-system-walk.ts). Anything found fails; "nothing found" passes only when
 *   the walk was complete (a walk cut short by its budget, or with unreadable directories, is ERROR with the
 *   reason, never a pass).
 * - grub2_password / grub2_uefi_password: grub.cfg (BIOS: /boot/grub/grub.cfg, /boot/grub2/grub.cfg; UEFI:
 *   /boot/efi/EFI/<vendor>/grub.cfg) sets superusers and a password_pbkdf2 for one of them (the agent
 *   records the hash as <redacted>), or RHEL's user.cfg has GRUB2_PASSWORD. No such GRUB file:
 *   NOT_APPLICABLE (another boot loader, or the other firmware's rule). A UEFI grub.cfg that only loads the
 *   main one (Debian/Ubuntu's stub: configfile) is judged by grub2_password.
 */
import type { Facts } from '../../../core/facts/facts';
import { walkFindings } from '../../../core/facts/file-system-walk';
import type { Evidence } from '../../../core/model';
import { type CheckOutcome, error, fail, notApplicable, pass } from '../../../core/rule';
import type { WalkCategory } from '../../../core/telemetry';
import type { Evaluator } from './index';

const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

function walkRule(category: WalkCategory, what: string, fix: string): Evaluator {
  return (facts): CheckOutcome => {
    const w = walkFindings(facts, category);
    if (!w.ok) return error(`${what} could not be looked for: ${w.reason}`);
    const f = w.value;
    if (f.count > 0) {
      const evidence: Evidence[] = f.items.slice(0, 20).map((i) => ({
        source: i.path,
        value: `mode ${octal(i.mode)} uid ${i.uid} gid ${i.gid}`,
      }));
      const more = f.count > evidence.length ? ` (first ${evidence.length} shown)` : '';
      return {
        ...fail(
          `${f.count} ${what} found${more}${f.complete ? '' : `; the walk was incomplete: ${f.incompleteBecause}`}`,
          evidence,
        ),
        recommendation: fix,
      };
    }
    if (!f.complete) return error(`no ${what} found, but the walk was incomplete: ${f.incompleteBecause}`);
    return pass(`no ${what} on local file systems (${f.entriesVisited} entries walked)`, [
      { source: 'file system walk', value: '0', note: `${f.entriesVisited} entries walked` },
    ]);
  };
}

const BIOS_GRUB = ['/boot/grub/grub.cfg', '/boot/grub2/grub.cfg'];
const UEFI_GRUB = ['debian', 'ubuntu', 'redhat', 'rocky', 'almalinux', 'amzn'].map(
  (v) => `/boot/efi/EFI/${v}/grub.cfg`,
);

function grubPassword(facts: Facts, paths: string[], uefi: boolean): CheckOutcome {
  const present = paths.filter((p) => facts.file(p)?.status === 'ok');
  const unreadable = paths.filter((p) => {
    const r = facts.file(p);
    return r && r.status === 'missing' && r.reason !== 'not-found';
  });
  if (unreadable.length) return error(`${unreadable.join(', ')} could not be read`);
  if (present.length === 0)
    return notApplicable(`no ${uefi ? 'UEFI ' : ''}GRUB 2 configuration (${paths.join(', ')})`);
  const evidence: Evidence[] = [];
  for (const p of present) {
    const t = facts.text(p);
    if (!t.ok) return error(t.reason);
    const text = t.value.text;
    if (uefi && /^\s*configfile\s/m.test(text) && !/^\s*menuentry\s/m.test(text))
      return notApplicable(`${p} only loads the main GRUB configuration (judged by grub2_password)`);
    const superusers = /^\s*set\s+superusers\s*=\s*"?([^"\n]+)"?/m.exec(text);
    const pw = /^\s*password_pbkdf2\s+(\S+)\s+\S+/m.exec(text);
    const userCfg = p.startsWith('/boot/grub2/') ? facts.text('/boot/grub2/user.cfg') : undefined;
    const grub2Password = userCfg?.ok && /^\s*GRUB2_PASSWORD\s*=\s*\S+/m.test(userCfg.value.text);
    if (superusers && (pw || grub2Password)) {
      evidence.push({
        source: p,
        key: 'superusers',
        value: superusers[1]!.trim(),
        note: pw ? `password_pbkdf2 for ${pw[1]}` : 'GRUB2_PASSWORD in /boot/grub2/user.cfg',
      });
      continue;
    }
    return {
      ...fail(
        `${p} sets ${superusers ? 'superusers but no password_pbkdf2' : 'no superusers'}: anyone at the console can edit boot entries`,
        [
          {
            source: p,
            key: 'superusers',
            value: superusers ? superusers[1]!.trim() : '(unset)',
            expected: 'set superusers and password_pbkdf2',
          },
        ],
      ),
      recommendation:
        'Create a hash with grub-mkpasswd-pbkdf2, add "set superusers=..." and "password_pbkdf2 USER HASH" to /etc/grub.d/40_custom (or grub2-setpassword on RHEL), then update-grub / grub2-mkconfig.',
    };
  }
  return pass('the boot loader requires a password to change boot entries', evidence);
}

export const HAND_WRITTEN_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'rule:file_permissions_unauthorized_world_writable': walkRule(
    'worldWritableFiles',
    'world-writable files',
    'chmod o-w on each file listed (or remove it).',
  ),
  'rule:dir_perms_world_writable_sticky_bits': walkRule(
    'worldWritableDirectoriesWithoutSticky',
    'world-writable directories without the sticky bit',
    'chmod +t on each directory listed.',
  ),
  'rule:no_files_unowned_by_user': walkRule(
    'unownedFiles',
    'files owned by no known user',
    'chown each file listed to an existing user (or remove it).',
  ),
  'rule:file_permissions_ungroupowned': walkRule(
    'ungroupedFiles',
    'files owned by no known group',
    'chgrp each file listed to an existing group (or remove it).',
  ),
  'rule:grub2_password': (facts) => grubPassword(facts, BIOS_GRUB, false),
  'rule:grub2_uefi_password': (facts) => grubPassword(facts, UEFI_GRUB, true),
};
