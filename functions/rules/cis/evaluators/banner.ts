/**
 * ComplianceAsCode template `cis_banner`: a login banner file (/etc/issue, /etc/issue.net, /etc/motd) does
 * not tell the OS or its version: no getty escapes \m \r \s \v (machine, release, OS name, version) and no
 * distribution name (the product's own names and os-release's ID and NAME). With banner_must_be_set the file
 * must exist and hold at least one non-empty line (/etc/motd may be absent or empty).
 */

import { osRelease } from '../../../core/facts/host';
import { optionalText } from '../../../core/facts/host-config';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import type { Evaluator } from './index';

const DISTRIBUTION_NAMES = [
  'Debian',
  'Ubuntu',
  'Red Hat',
  'Amazon Linux',
  'AlmaLinux',
  'Rocky',
  'CentOS',
  'Fedora',
];

export const cisBanner: Evaluator = (facts, { vars, variables }): CheckOutcome => {
  const path = vars.filepath;
  if (!path) return error('template cis_banner without a filepath');
  const mustBeSet = vars.banner_must_be_set === 'true';
  const t = optionalText(facts, path);
  if (!t.ok) return error(`${path} could not be read: ${t.reason}`);
  const text = t.value?.text ?? '';
  if (mustBeSet && !/^.+$/m.test(text))
    return {
      ...fail(`${path} ${t.value ? 'is empty' : 'does not exist'}: no login banner`, [
        {
          source: path,
          value: t.value ? '(empty)' : '(absent)',
          expected: 'a banner without OS information',
        },
      ]),
      recommendation: `Write the site's banner to ${path}, e.g. echo "${variables.cis_banner_text ?? 'Authorized users only.'}" > ${path}`,
    };
  const os = osRelease(facts);
  const names = [
    ...DISTRIBUTION_NAMES,
    ...(os.ok ? [os.value.ID, os.value.NAME].filter((x): x is string => Boolean(x && x.length > 2)) : []),
  ];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const esc = /\\[mrsv]/.exec(l);
    const name = names.find((n) => l.toLowerCase().includes(n.toLowerCase()));
    if (esc || name)
      return {
        ...fail(`${path} line ${i + 1} tells the OS: ${esc ? `getty escape ${esc[0]}` : `"${name}"`}`, [
          {
            source: path,
            line: i + 1,
            value: l.slice(0, 200),
            expected: 'no \\m \\r \\s \\v and no OS name',
          },
        ]),
        recommendation: `Replace ${path} with the site's banner, without OS name or version (no \\m, \\r, \\s, \\v).`,
      };
  }
  if (!t.value)
    return pass(`${path} does not exist (nothing is shown)`, [{ source: path, value: '(absent)' }]);
  return pass(`${path} holds a banner without OS information`, [
    { source: path, value: text.split('\n')[0]!.slice(0, 200) },
  ]);
};

export const BANNER_EVALUATORS: Readonly<Record<string, Evaluator>> = { cis_banner: cisBanner };
