/**
 * ComplianceAsCode template `cis_banner`: a login banner file (/etc/issue, /etc/issue.net, /etc/motd) does
 * not tell the OS or its version: no getty escapes \m \r \s \v (machine, release, OS name, version) and no
 * distribution name (the product's own names and os-release's ID and NAME). With banner_must_be_set the file
 * must exist and hold at least one non-empty line (/etc/motd may be absent or empty).
 */

import type { Facts } from '../../../core/facts/facts';
import { osRelease } from '../../../core/facts/host';
import { directoryTexts, optionalText } from '../../../core/facts/host-config';
import { type CheckOutcome, error, fail, pass } from '../../../core/rule';
import type { Evaluator } from './index';
import { xccdfVariable } from './template-helpers';

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

/** The first line of a banner that tells the OS: a getty escape \\m \\r \\s \\v or a distribution's name. */
function osDisclosure(facts: Facts, text: string): { line: number; what: string; text: string } | undefined {
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
      return { line: i + 1, what: esc ? `getty escape ${esc[0]}` : `"${name}"`, text: l.slice(0, 200) };
  }
  return undefined;
}

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
  const told = osDisclosure(facts, text);
  if (told)
    return {
      ...fail(`${path} line ${told.line} tells the OS: ${told.what}`, [
        {
          source: path,
          line: told.line,
          value: told.text,
          expected: 'no \\m \\r \\s \\v and no OS name',
        },
      ]),
      recommendation: `Replace ${path} with the site's banner, without OS name or version (no \\m, \\r, \\s, \\v).`,
    };
  if (!t.value)
    return pass(`${path} does not exist (nothing is shown)`, [{ source: path, value: '(absent)' }]);
  return pass(`${path} holds a banner without OS information`, [
    { source: path, value: text.split('\n')[0]!.slice(0, 200) },
  ]);
};

/**
 * Upstream's whole-file banner rules (banner_etc_issue, banner_etc_issue_net, banner_etc_motd; the Amazon
 * Linux benchmarks select them instead of cis_banner): the file's whole text matches the benchmark's
 * regular expression (`login_banner_text`, `remote_login_banner_text`, `motd_banner_text`; for Amazon Linux
 * the benchmark's text "Authorized users only. All activity may be monitored and reported." or a single
 * line without a backslash escape or fedora/rhel/sle/ubuntu). As OpenSCAP matches it: the expression
 * applies to the whole text, `$` also matches before a final newline. Since that expression lets a
 * one-line "Amazon Linux 2023" through, the file must also not tell the OS as cis_banner judges it (getty
 * escapes, distribution names, os-release's ID and NAME). Each file shown must match
 * (/etc/issue and the files of /etc/issue.d, which upstream reads too but accepts when any one matches); an
 * absent or empty /etc/issue or /etc/issue.net shows no banner and fails; /etc/motd may be absent or empty.
 */
function bannerText(files: { path: string; dir?: string }, variable: string, optional: boolean): Evaluator {
  return (facts, input): CheckOutcome => {
    const pattern = xccdfVariable(input, variable);
    if (pattern === undefined) return error(`no value for ${variable}`);
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (err) {
      return error(`${variable} is not a regular expression this version reads: ${(err as Error).message}`);
    }
    const matches = (text: string) => re.test(text) || (text.endsWith('\n') && re.test(text.slice(0, -1)));
    const shown: Array<{ path: string; text: string }> = [];
    const main = optionalText(facts, files.path);
    if (!main.ok) return error(`${files.path} could not be read: ${main.reason}`);
    if (main.value) shown.push({ path: files.path, text: main.value.text });
    if (files.dir) {
      const d = directoryTexts(facts, files.dir);
      if (!d.ok) return error(d.reason);
      for (const f of d.value) if (f.resolvedPath !== '/dev/null') shown.push({ path: f.path, text: f.text });
    }
    const visible = shown.filter((f) => f.text.trim() !== '');
    if (visible.length === 0) {
      if (optional)
        return pass(`${files.path} is ${main.value ? 'empty' : 'absent'}: no message is shown`, [
          { source: files.path, value: main.value ? '(empty)' : '(absent)' },
        ]);
      return {
        ...fail(`${files.path} is ${main.value ? 'empty' : 'absent'}: no banner is shown`, [
          {
            source: files.path,
            value: main.value ? '(empty)' : '(absent)',
            expected: `text matching ${variable}`,
          },
        ]),
        recommendation: `Write the site's banner to ${files.path}, e.g. echo "Authorized users only. All activity may be monitored and reported." > ${files.path}`,
      };
    }
    const problems = new Map<string, string>();
    for (const f of visible) {
      if (!matches(f.text)) problems.set(f.path, `does not match ${variable}`);
      else {
        const told = osDisclosure(facts, f.text);
        if (told) problems.set(f.path, `line ${told.line} tells the OS: ${told.what}`);
      }
    }
    const bad = visible.filter((f) => problems.has(f.path));
    const evidence = visible.map((f) => ({
      source: f.path,
      value: f.text.split('\n').slice(0, 3).join(' / ').slice(0, 200),
      ...(problems.has(f.path)
        ? {
            expected: `text matching ${variable}, without OS name or getty escapes`,
            note: problems.get(f.path)!,
          }
        : {}),
    }));
    if (bad.length)
      return {
        ...fail(bad.map((f) => `${f.path} ${problems.get(f.path)}`).join('; '), evidence),
        recommendation: `Replace ${bad.map((f) => f.path).join(' and ')} with the site's banner, e.g. "Authorized users only. All activity may be monitored and reported." (no \\m, \\r, \\s, \\v, no OS name).`,
      };
    return pass(
      `${visible.map((f) => f.path).join(', ')} ${visible.length === 1 ? 'matches' : 'match'} ${variable}`,
      evidence,
    );
  };
}

export const BANNER_EVALUATORS: Readonly<Record<string, Evaluator>> = {
  cis_banner: cisBanner,
  'rule:banner_etc_issue': bannerText(
    { path: '/etc/issue', dir: '/etc/issue.d' },
    'login_banner_text',
    false,
  ),
  'rule:banner_etc_issue_net': bannerText({ path: '/etc/issue.net' }, 'remote_login_banner_text', false),
  'rule:banner_etc_motd': bannerText({ path: '/etc/motd' }, 'motd_banner_text', true),
};
