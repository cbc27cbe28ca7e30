import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Exclusion, Finding, InstanceSummary, RuleResult } from '../../../functions/core/model';
import type { AssessmentOutput } from '../../../functions/core/run';
import { NUMERIC_SEVERITY, SEVERITIES, type Severity } from '../../../functions/core/severity';
import { escapeHtml, type RulesPackageRef, renderHtmlReport } from '../../../functions/report/html';
import { byId, type ElementNode, findAll, findOne, hasClass, parseHtml, textOf, walk } from './html-tokens';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const SCRIPT_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
const IMG_ESCAPED = '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;';

const RULES_PACKAGES: RulesPackageRef[] = [
  { id: 'security-best-practices', name: 'Security Best Practices', version: '1.0.0' },
  { id: 'cve', name: 'Common Vulnerabilities and Exposures', version: '2026.05.20' },
];

const GENERATED_AT = '2026-05-20T12:00:00.000Z';

/** Every element the report may contain; anything else means markup leaked from data. */
const ALLOWED_ELEMENTS = new Set([
  '#document',
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'header',
  'nav',
  'main',
  'footer',
  'section',
  'article',
  'div',
  'p',
  'span',
  'strong',
  'code',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'ol',
  'ul',
  'li',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'svg',
  'g',
  'rect',
  'text',
  'desc',
]);

function finding(over: Partial<Finding> & Pick<Finding, 'id' | 'ruleId' | 'severity' | 'title'>): Finding {
  return {
    runId: 'run-1',
    instanceId: 'i-0123456789abcdef0',
    rulesPackage: 'security-best-practices',
    description: `Description of ${over.title}.`,
    recommendation: `Fix ${over.title}.`,
    numericSeverity: NUMERIC_SEVERITY[over.severity],
    attributes: [],
    evidence: [],
    createdAt: '2026-05-20T11:59:00.000Z',
    ...over,
  };
}

function buildOutput(): AssessmentOutput {
  const instances: InstanceSummary[] = [
    {
      instanceId: 'i-0123456789abcdef0',
      hostname: `web-01${SCRIPT}`,
      os: 'Ubuntu 24.04.2 LTS',
      kernelRelease: '6.8.0-60-generic',
      arch: 'x86_64',
      agentStatus: 'HEALTHY',
    },
    {
      instanceId: 'i-0fedcba9876543210',
      hostname: 'db-01',
      os: 'Amazon Linux 2023',
      kernelRelease: '6.1.130-139.222.amzn2023.aarch64',
      arch: 'aarch64',
      agentStatus: 'HEALTHY',
    },
  ];
  const findings: Finding[] = [
    finding({
      id: 'f-low',
      ruleId: 'sbp.password-max-age',
      severity: 'Medium',
      title: 'Passwords do not expire within 365 days',
      instanceId: 'i-0fedcba9876543210',
      hostname: 'db-01',
      evidence: [
        { source: '/etc/login.defs', line: 160, key: 'PASS_MAX_DAYS', value: '99999', expected: '<= 365' },
      ],
    }),
    finding({
      id: 'f-info',
      ruleId: 'sbp.info-example',
      severity: 'Informational',
      title: 'Informational note',
    }),
    finding({
      id: 'f-ssh',
      ruleId: 'sbp.ssh-root-login',
      severity: 'Medium',
      title: 'SSH permits root login',
      hostname: `web-01${SCRIPT}`,
      evidence: [
        {
          source: '/etc/ssh/sshd_config',
          line: 33,
          key: 'PermitRootLogin',
          value: `yes ${IMG}`,
          expected: 'no',
          note: `Match block ${SCRIPT} reported`,
        },
      ],
      attributes: [{ key: 'team', value: `ops${IMG}` }],
    }),
    finding({
      id: 'f-dirs',
      ruleId: 'sbp.system-dir-permissions',
      severity: 'High',
      title: 'System directories are writable by others',
      evidence: [
        { source: '/usr/local/bin', key: 'mode', value: '0777', expected: 'not group/world writable' },
      ],
    }),
    finding({
      id: 'f-cve',
      runId: 'run-1',
      rulesPackage: 'cve',
      ruleId: 'cve.CVE-2024-6387',
      severity: 'High',
      numericSeverity: 8.1,
      title: 'CVE-2024-6387 - openssh-server',
      description: 'A signal handler race condition in sshd (regreSSHion).',
      recommendation: 'Upgrade openssh-server to 1:9.6p1-3ubuntu13.3 or later.',
      evidence: [{ source: 'dpkg:/var/lib/dpkg/status', key: 'openssh-server', value: '1:9.6p1-3ubuntu13' }],
      vulnerability: {
        vulnerabilityId: 'CVE-2024-6387',
        aliases: ['USN-6859-1'],
        advisoryIds: ['UBUNTU-CVE-2024-6387'],
        ecosystem: 'Ubuntu:24.04',
        packages: [
          {
            name: 'openssh-server',
            installedVersion: '1:9.6p1-3ubuntu13',
            fixedVersion: '1:9.6p1-3ubuntu13.3',
            sourcePackage: 'openssh',
            sourceVersion: '1:9.6p1-3ubuntu13',
            arch: 'amd64',
          },
        ],
        fixState: 'fixed',
        cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 8.1 },
        vendorSeverity: 'high',
        epss: { score: 0.4321, percentile: 0.978, date: '2026-05-19' },
        kev: { dateAdded: '2025-01-10', dueDate: '2025-01-31', knownRansomwareCampaignUse: 'Unknown' },
        remediation: 'apt-get install --only-upgrade openssh-server',
        references: ['https://ubuntu.com/security/CVE-2024-6387', `https://example.test/${IMG}`],
      },
    }),
    finding({
      id: 'f-low-2',
      ruleId: 'sbp.low-example',
      severity: 'Low',
      title: 'A low-severity finding',
    }),
  ];
  const results: RuleResult[] = [
    {
      rulesPackage: 'security-best-practices',
      ruleId: 'sbp.aslr',
      instanceId: 'i-0123456789abcdef0',
      result: 'PASS',
      severity: 'Medium',
      title: 'ASLR is enabled',
      message: 'kernel.randomize_va_space is 2.',
      evidence: [],
    },
    {
      rulesPackage: 'security-best-practices',
      ruleId: 'sbp.ssh-root-login',
      instanceId: 'i-0123456789abcdef0',
      result: 'FAIL',
      severity: 'Medium',
      title: 'SSH root login',
      message: `PermitRootLogin is yes ${SCRIPT}`,
      evidence: [],
    },
    {
      rulesPackage: 'security-best-practices',
      ruleId: 'sbp.dep',
      instanceId: 'i-0fedcba9876543210',
      result: 'NOT_APPLICABLE',
      severity: 'Medium',
      title: 'DEP',
      message: 'Not applicable on ARM.',
      evidence: [],
    },
    {
      rulesPackage: 'security-best-practices',
      ruleId: 'sbp.password-complexity',
      instanceId: 'i-0fedcba9876543210',
      result: 'ERROR',
      severity: 'Medium',
      title: 'Password complexity',
      message: 'PAM stack was not collected: permission denied.',
      evidence: [],
    },
  ];
  const exclusions: Exclusion[] = [
    { instanceId: 'i-0aaaaaaaaaaaaaaaa', reason: 'NO_AGENT', message: 'SSM agent is not registered.' },
    {
      instanceId: 'i-0fedcba9876543210',
      scope: 'cve',
      reason: 'EVALUATION_ERROR',
      message: `rpm database unreadable ${IMG}`,
    },
  ];
  return {
    run: {
      runId: 'run-1',
      name: 'Nightly assessment',
      templateId: 'tmpl-1',
      state: 'COMPLETED_WITH_ERRORS',
      stateHistory: [],
      createdAt: '2026-05-20T11:00:00.000Z',
      startedAt: '2026-05-20T11:00:05.000Z',
      completedAt: '2026-05-20T11:16:05.000Z',
      durationSeconds: 900,
      rulesPackages: ['security-best-practices', 'cve'],
      findingCounts: { High: 2, Medium: 2, Low: 1, Informational: 1 },
      mode: 'local',
    },
    instances,
    results,
    findings,
    exclusions,
  };
}

function render(output: AssessmentOutput, kind?: 'findings' | 'full'): { html: string; doc: ElementNode } {
  const html = renderHtmlReport(output, { rulesPackages: RULES_PACKAGES, generatedAt: GENERATED_AT, kind });
  return { html, doc: parseHtml(html) };
}

/** Replaces every string in a value (deeply) with the string plus both payloads. */
function poison<T>(value: T): T {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return `${v}${SCRIPT}${IMG}'`;
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value) as T;
}

function checkNoInjectedMarkup(html: string, doc: ElementNode): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/<iframe|<object|<embed|<link|<base|<form/i);
  for (const el of walk(doc)) {
    expect(ALLOWED_ELEMENTS.has(el.name), `unexpected element <${el.name}>`).toBe(true);
    for (const [key, value] of Object.entries(el.attrs)) {
      expect(key.startsWith('on'), `event handler attribute ${key}`).toBe(false);
      expect(key, 'src attribute').not.toBe('src');
      if (key === 'href') expect(value.startsWith('#'), `href=${value}`).toBe(true);
      if (key === 'style') throw new Error('inline style attribute (blocked by the CSP)');
    }
  }
}

describe('escapeHtml', () => {
  it('escapes the five characters and leaves the rest', () => {
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml('plain ü text')).toBe('plain ü text');
  });
});

describe('renderHtmlReport', () => {
  it('is one well-formed document with only the report’s own elements', () => {
    const { html, doc } = render(buildOutput(), 'full');
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    checkNoInjectedMarkup(html, doc);
  });

  it('shows markup from telemetry and findings as text, escaped', () => {
    const { html, doc } = render(buildOutput(), 'full');
    checkNoInjectedMarkup(html, doc);
    expect(html).toContain(SCRIPT_ESCAPED);
    expect(html).toContain(IMG_ESCAPED);
    // The hostname cell reads, as text, exactly what the telemetry said.
    const row = findOne(
      doc,
      (el) => el.name === 'tr' && el.attrs['data-instance-id'] === 'i-0123456789abcdef0',
    );
    expect(textOf(row)).toContain(`web-01${SCRIPT}`);
    // The evidence value and note, and the exclusion message, too.
    const evidenceCells = findAll(doc, (el) => el.name === 'table' && hasClass(el, 'evidence')).map(textOf);
    expect(
      evidenceCells.some((t) => t.includes(`yes ${IMG}`) && t.includes(`Match block ${SCRIPT} reported`)),
    ).toBe(true);
    expect(textOf(findOne(doc, byId('exclusions')))).toContain(`rpm database unreadable ${IMG}`);
  });

  it('escapes every string field of the input, whichever it is', () => {
    const poisoned = poison(buildOutput());
    const rulesPackages = poison(RULES_PACKAGES);
    for (const kind of ['findings', 'full'] as const) {
      const html = renderHtmlReport(poisoned, { rulesPackages, generatedAt: poison(GENERATED_AT), kind });
      const doc = parseHtml(html);
      checkNoInjectedMarkup(html, doc);
      // Poisoned severities are not one of the four: those findings still appear, under "Other".
      expect(findAll(doc, (el) => el.name === 'article').length).toBe(poisoned.findings.length);
    }
  });

  it('loads nothing remote and pins its only style with the CSP', () => {
    const { html, doc } = render(buildOutput(), 'full');
    expect(html).not.toMatch(/\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(|@import/i);
    // The only http(s) text is the escaped references of the CVE finding, printed as text.
    const httpLines = html.split('\n').filter((l) => /https?:/.test(l));
    expect(httpLines.length).toBe(2);
    for (const l of httpLines) expect(l).toMatch(/^<li><code class="wrap">https:\/\/[^<"]*<\/code><\/li>$/);

    const csp = findOne(
      doc,
      (el) => el.name === 'meta' && el.attrs['http-equiv'] === 'Content-Security-Policy',
    );
    const policy = csp.attrs.content ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'none'");
    const style = findOne(doc, (el) => el.name === 'style');
    const hash = createHash('sha256').update(textOf(style), 'utf8').digest('base64');
    expect(policy).toContain(`style-src 'sha256-${hash}'`);
    // The CSP comes before anything it governs.
    expect(html.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(html.indexOf('<style>'));
    expect(findAll(doc, (el) => el.name === 'script' || el.name === 'link')).toEqual([]);
  });

  it('summarises the run', () => {
    const { doc } = render(buildOutput());
    const summary = textOf(findOne(doc, byId('summary')));
    expect(summary).toContain('run-1');
    expect(summary).toContain('Nightly assessment');
    expect(summary).toContain('COMPLETED_WITH_ERRORS');
    expect(summary).toContain('2026-05-20 11:00:05 UTC');
    expect(summary).toContain('2026-05-20 11:16:05 UTC');
    expect(summary).toContain('15 min'); // configured duration (900 s)
    expect(summary).toContain('16 min'); // elapsed
    expect(textOf(findOne(doc, (el) => el.name === 'title' && el.parent?.name === 'head'))).toBe(
      'Findings report – Nightly assessment',
    );
  });

  it('draws the severity chart with the counts of the findings, as bars and as text', () => {
    const output = buildOutput();
    const { doc } = render(output);
    const expected = Object.fromEntries(
      SEVERITIES.map((s) => [s, output.findings.filter((f) => f.severity === s).length]),
    );
    expect(expected).toEqual({ High: 2, Medium: 2, Low: 1, Informational: 1 });
    const svg = findOne(doc, (el) => el.name === 'svg' && hasClass(el, 'severity-chart'));
    const bars = findAll(svg, (el) => el.name === 'g' && hasClass(el, 'bar'));
    expect(bars.map((b) => b.attrs['data-severity'])).toEqual([...SEVERITIES]);
    const maxWidth = Math.max(
      ...bars.map((b) => Number(findAll(b, (el) => el.name === 'rect')[1]?.attrs.width)),
    );
    for (const bar of bars) {
      const sev = bar.attrs['data-severity'] as Severity;
      expect(Number(bar.attrs['data-count'])).toBe(expected[sev]);
      const count = findOne(bar, (el) => el.name === 'text' && hasClass(el, 'count'));
      expect(textOf(count)).toBe(String(expected[sev]));
      const width = Number(findAll(bar, (el) => el.name === 'rect')[1]?.attrs.width);
      // Bars are proportional: the largest count has the widest bar.
      if (expected[sev] === 2) expect(width).toBe(maxWidth);
      else expect(width).toBeLessThan(maxWidth);
    }
    const desc = textOf(findOne(svg, (el) => el.name === 'desc'));
    expect(desc).toBe('High: 2, Medium: 2, Low: 1, Informational: 1');
    const countRows = findAll(doc, (el) => el.name === 'tr' && el.attrs['data-severity'] !== undefined);
    for (const row of countRows) {
      const cells = findAll(row, (el) => el.name === 'td');
      expect(textOf(cells[2] as ElementNode)).toBe(String(expected[row.attrs['data-severity'] as Severity]));
    }
  });

  it('groups findings by severity, High to Informational', () => {
    const { doc } = render(buildOutput());
    const groups = findAll(doc, (el) => el.name === 'section' && hasClass(el, 'severity-group'));
    expect(groups.map((g) => g.attrs['data-severity'])).toEqual(['High', 'Medium', 'Low', 'Informational']);
    const articles = findAll(doc, (el) => el.name === 'article' && hasClass(el, 'finding'));
    expect(articles.length).toBe(6);
    const ranks = articles.map((a) => SEVERITIES.indexOf(a.attrs['data-severity'] as Severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // Each group holds exactly its own findings.
    for (const g of groups) {
      for (const a of findAll(g, (el) => el.name === 'article')) {
        expect(a.attrs['data-severity']).toBe(g.attrs['data-severity']);
      }
    }
    // Within High, the CVSS 8.1 CVE comes after the numeric-9 finding.
    const high = findAll(groups[0] as ElementNode, (el) => el.name === 'h4').map(textOf);
    expect(high).toEqual(['System directories are writable by others', 'CVE-2024-6387 - openssh-server']);
  });

  it('within a severity, exposed findings (the exposure chain) come first: Internet, PeeredVPC, VGW, None, then without', () => {
    const out = buildOutput();
    const high = out.findings.filter((f) => f.severity === 'High');
    const base = high[high.length - 1]!;
    const exposed = (id: string, exposure: string | undefined, numericSeverity: number): Finding => ({
      ...base,
      id,
      title: `exposure ${exposure ?? 'absent'}`,
      numericSeverity,
      attributes: exposure ? [{ key: 'EXPOSURE', value: exposure }] : [],
    });
    out.findings = [
      ...out.findings.filter((f) => f.severity !== 'High'),
      exposed('f-none', 'None', 9.9),
      exposed('f-vgw', 'VGW', 7),
      exposed('f-internet', 'Internet', 7.1),
      exposed('f-absent', undefined, 10),
      exposed('f-peer', 'PeeredVPC', 8),
    ];
    const { doc } = render(out);
    const [highGroup] = findAll(doc, (el) => el.name === 'section' && hasClass(el, 'severity-group'));
    expect(findAll(highGroup as ElementNode, (el) => el.name === 'h4').map(textOf)).toEqual([
      'exposure Internet',
      'exposure PeeredVPC',
      'exposure VGW',
      'exposure None',
      'exposure absent',
    ]);
  });

  it('shows each finding’s instance, rule, description, evidence, recommendation and attributes', () => {
    const { doc } = render(buildOutput());
    const ssh = findOne(doc, (el) => el.name === 'article' && textOf(el).includes('SSH permits root login'));
    const text = textOf(ssh);
    expect(text).toContain('i-0123456789abcdef0');
    expect(text).toContain(`web-01${SCRIPT}`);
    expect(text).toContain('sbp.ssh-root-login');
    expect(text).toContain('Description of SSH permits root login.');
    expect(text).toContain('Fix SSH permits root login.');
    const evidence = findOne(ssh, (el) => el.name === 'table' && hasClass(el, 'evidence'));
    const headers = findAll(evidence, (el) => el.name === 'th').map(textOf);
    expect(headers).toEqual(['Source', 'Line', 'Key', 'Value', 'Expected', 'Note']);
    const cells = findAll(
      findAll(evidence, (el) => el.name === 'tbody')[0] as ElementNode,
      (el) => el.name === 'td',
    );
    expect(cells.map(textOf)).toEqual([
      '/etc/ssh/sshd_config',
      '33',
      'PermitRootLogin',
      `yes ${IMG}`,
      'no',
      `Match block ${SCRIPT} reported`,
    ]);
    const attrs = findOne(ssh, (el) => el.name === 'table' && hasClass(el, 'attributes'));
    expect(textOf(attrs)).toContain(`ops${IMG}`);
  });

  it('shows vulnerability details when a finding carries them', () => {
    const { doc } = render(buildOutput());
    const cve = findOne(
      doc,
      (el) => el.name === 'article' && textOf(el).includes('CVE-2024-6387 - openssh-server'),
    );
    const vuln = textOf(findOne(cve, (el) => el.name === 'table' && hasClass(el, 'vulnerability')));
    expect(vuln).toContain('CVE-2024-6387');
    expect(vuln).toContain('USN-6859-1');
    expect(vuln).toContain('8.1');
    expect(vuln).toContain('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H');
    expect(vuln).toContain('43.21%');
    expect(vuln).toContain('added 2025-01-10');
    expect(vuln).toContain('Fixed version available');
    const pkgs = findOne(cve, (el) => el.name === 'table' && hasClass(el, 'vulnerable-packages'));
    expect(findAll(pkgs, (el) => el.name === 'td').map(textOf)).toEqual([
      'openssh-server',
      '1:9.6p1-3ubuntu13',
      '1:9.6p1-3ubuntu13.3',
      'openssh 1:9.6p1-3ubuntu13',
      'amd64',
    ]);
    expect(textOf(cve)).toContain('apt-get install --only-upgrade openssh-server');
    // References are text, not links.
    expect(findAll(cve, (el) => el.name === 'a')).toEqual([]);
    expect(textOf(cve)).toContain(`https://example.test/${IMG}`);
    // Findings without vulnerability details have no such block.
    const other = findOne(
      doc,
      (el) => el.name === 'article' && textOf(el).includes('SSH permits root login'),
    );
    expect(findAll(other, (el) => hasClass(el, 'vulnerability'))).toEqual([]);
  });

  it('lists the instances, the rules packages and every exclusion', () => {
    const { doc } = render(buildOutput());
    const instances = findOne(doc, byId('instances'));
    const rows = findAll(instances, (el) => el.name === 'tr' && el.attrs['data-instance-id'] !== undefined);
    expect(rows.map((r) => r.attrs['data-instance-id'])).toEqual([
      'i-0123456789abcdef0',
      'i-0fedcba9876543210',
    ]);
    expect(findAll(rows[1] as ElementNode, (el) => el.name === 'td').map(textOf)).toEqual([
      'i-0fedcba9876543210',
      'db-01',
      'Amazon Linux 2023',
      '6.1.130-139.222.amzn2023.aarch64',
      'aarch64',
      'HEALTHY',
      '1',
    ]);

    const packages = textOf(findOne(doc, byId('rules-packages')));
    expect(packages).toContain('Security Best Practices');
    expect(packages).toContain('1.0.0');
    expect(packages).toContain('Common Vulnerabilities and Exposures');
    expect(packages).toContain('2026.05.20');

    const exclusions = findOne(doc, byId('exclusions'));
    const exRows = findAll(
      findAll(exclusions, (el) => el.name === 'tbody')[0] as ElementNode,
      (el) => el.name === 'tr',
    );
    expect(exRows.length).toBe(2);
    const exText = textOf(exclusions);
    expect(exText).toContain('i-0aaaaaaaaaaaaaaaa');
    expect(exText).toContain('NO_AGENT');
    expect(exText).toContain('SSM agent is not registered.');
    expect(exText).toContain('EVALUATION_ERROR');
    expect(exText).toContain('whole instance');
  });

  it('says so when there are no findings, and still lists exclusions', () => {
    const output = buildOutput();
    output.findings = [];
    const { html, doc } = render(output);
    checkNoInjectedMarkup(html, doc);
    const findings = findOne(doc, byId('findings'));
    expect(textOf(findings)).toContain('No findings');
    expect(findAll(doc, (el) => el.name === 'article')).toEqual([]);
    const bars = findAll(doc, (el) => el.name === 'g' && hasClass(el, 'bar'));
    expect(bars.map((b) => b.attrs['data-count'])).toEqual(['0', '0', '0', '0']);
    expect(textOf(findOne(doc, byId('exclusions')))).toContain('SSM agent is not registered.');

    output.exclusions = [];
    const clean = render(output).doc;
    expect(textOf(findOne(clean, byId('exclusions')))).toContain('No exclusions');
    expect(textOf(findOne(clean, byId('findings')))).toContain('No findings: no rule failed');
  });

  it('adds every rule result per instance in the full report only', () => {
    const output = buildOutput();
    expect(findAll(render(output, 'findings').doc, byId('rule-results'))).toEqual([]);
    expect(findAll(render(output).doc, byId('rule-results'))).toEqual([]);

    const { doc } = render(output, 'full');
    const full = findOne(doc, byId('rule-results'));
    const perInstance = findAll(full, (el) => el.name === 'section' && hasClass(el, 'instance-results'));
    expect(perInstance.map((s) => s.attrs['data-instance-id'])).toEqual([
      'i-0123456789abcdef0',
      'i-0fedcba9876543210',
    ]);
    const rows = findAll(full, (el) => el.name === 'tr' && el.attrs['data-result'] !== undefined);
    expect(rows.length).toBe(output.results.length);
    expect(rows.map((r) => r.attrs['data-result']).sort()).toEqual([
      'ERROR',
      'FAIL',
      'NOT_APPLICABLE',
      'PASS',
    ]);
    const error = rows.find((r) => r.attrs['data-result'] === 'ERROR') as ElementNode;
    expect(textOf(error)).toContain('PAM stack was not collected: permission denied.');
    expect(textOf(full)).toContain(`PermitRootLogin is yes ${SCRIPT}`);
    expect(textOf(findOne(doc, (el) => el.name === 'title' && el.parent?.name === 'head'))).toBe(
      'Full assessment report – Nightly assessment',
    );
  });

  it('shows what listened on each instance, who held it and its packages, in the full report only', () => {
    const output = buildOutput();
    output.instances[0]!.listeners = {
      ownersLookedUp: true,
      omitted: 3,
      services: [
        {
          protocol: 'tcp',
          address: '0.0.0.0',
          port: 22,
          loopback: false,
          accepted: 4,
          samples: 12,
          processes: [
            { pid: 812, comm: 'sshd', uid: 0, exe: '/usr/sbin/sshd', package: 'openssh-server 1:9.2p1-2' },
          ],
          libraryPackages: ['libc6 2.36-9+deb12u10', 'libssl3 3.0.15-1~deb12u1'],
        },
        {
          protocol: 'tcp6',
          address: '::1',
          port: 5432,
          loopback: true,
          accepted: 0,
          samples: 12,
          processes: [{ pid: 901, comm: SCRIPT, uid: 105, exe: `/opt/${SCRIPT}` }],
          processesOmitted: 2,
          libraryPackages: [],
        },
        {
          protocol: 'udp',
          address: '0.0.0.0',
          port: 69,
          loopback: false,
          accepted: 0,
          samples: 1,
          processes: [],
          libraryPackages: [],
        },
      ],
    };
    expect(render(output, 'findings').html).not.toContain('Listening during the run');
    const { html, doc } = render(output, 'full');
    checkNoInjectedMarkup(html, doc);
    const section = findOne(
      doc,
      (el) => el.name === 'section' && el.attrs['data-instance-id'] === 'i-0123456789abcdef0',
    );
    const rows = findAll(section, (el) => el.name === 'tr' && el.attrs['data-port'] !== undefined);
    expect(rows.map((r) => `${r.attrs['data-protocol']}/${r.attrs['data-port']}`)).toEqual([
      'tcp/22',
      'tcp6/5432',
      'udp/69',
    ]);
    const [ssh, pg, tftp] = rows.map((r) => textOf(r).replace(/\s+/g, ' '));
    expect(ssh).toContain('0.0.0.0:22');
    expect(ssh).toContain('sshd pid 812 uid 0 /usr/sbin/sshd');
    expect(ssh).toContain('openssh-server 1:9.2p1-2');
    expect(ssh).toContain('libc6 2.36-9+deb12u10, libssl3 3.0.15-1~deb12u1');
    expect(pg).toContain('[::1]:5432 (loopback)');
    expect(pg).toContain(`${SCRIPT} pid 901`);
    expect(pg).toContain('and 2 more');
    expect(pg).toContain('none known');
    expect(tftp).toContain('not seen');
    expect(tftp).toContain('n/a');
    expect(textOf(section)).toContain('3 more listening sockets are not listed.');
    // The other instance recorded no runtime section: no table.
    const other = findOne(
      doc,
      (el) => el.name === 'section' && el.attrs['data-instance-id'] === 'i-0fedcba9876543210',
    );
    expect(textOf(other)).not.toContain('Listening during the run');
  });

  it('is deterministic', () => {
    expect(render(buildOutput(), 'full').html).toBe(render(buildOutput(), 'full').html);
  });
});

describe('compliance section (cis)', () => {
  const INSTANCE = 'i-0123456789abcdef0';
  function cisResult(
    section: string,
    result: RuleResult['result'],
    over: Partial<RuleResult> = {},
  ): RuleResult {
    return {
      rulesPackage: 'cis',
      ruleId: `cis.debian12.${section}`,
      instanceId: INSTANCE,
      result,
      severity: 'Medium',
      title: `CIS ${section}: a check`,
      message: `${result} for ${section}`,
      evidence: [],
      ...over,
    };
  }
  function cisOutput(): AssessmentOutput {
    const output = buildOutput();
    const failed = cisResult('1.1.2', 'FAIL', {
      message: `1 of 2 checks failed: mount_option_tmp_nodev ${SCRIPT}`,
      evidence: [{ source: '/etc/fstab', key: '/tmp', value: 'defaults', expected: 'nodev', note: IMG }],
      checks: [
        { id: 'mount_option_tmp_nodev', result: 'FAIL', message: `/tmp lacks nodev ${SCRIPT}`, evidence: [] },
        { id: 'partition_for_tmp', result: 'PASS', message: '/tmp is a separate mount', evidence: [] },
      ],
    });
    output.results.push(
      cisResult('1.1.1', 'PASS'),
      failed,
      cisResult('1.2', 'NOT_APPLICABLE', { message: 'manual: review it by hand' }),
      cisResult('5.1.20', 'PASS'),
      cisResult('5.2', 'PASS'),
      cisResult('10.1', 'FAIL'),
      cisResult('4.1', 'ERROR'),
    );
    output.findings.push(
      finding({
        id: 'f-cis-1',
        rulesPackage: 'cis',
        ruleId: 'cis.debian12.1.1.2',
        severity: 'Medium',
        title: 'CIS 1.1.2 not met',
        recommendation: `Add nodev to /tmp in /etc/fstab ${IMG}`,
        attributes: [
          { key: 'BENCHMARK_ID', value: 'CIS Debian 12 Benchmark v1.1.0' },
          { key: 'BENCHMARK_RULE_ID', value: '1.1.2' },
          { key: 'CIS_BENCHMARK_PROFILE', value: 'Level 2 - Server' },
        ],
      }),
    );
    return output;
  }

  it('is absent when cis did not run', () => {
    for (const kind of ['findings', 'full'] as const)
      expect(findAll(render(buildOutput(), kind).doc, byId('compliance'))).toEqual([]);
  });

  it('scores each top-level section (passed / judged), in numeric order, with a total', () => {
    const { html, doc } = render(cisOutput());
    checkNoInjectedMarkup(html, doc);
    const part = findOne(findOne(doc, byId('compliance')), (el) => hasClass(el, 'compliance-benchmark'));
    expect(part.attrs).toMatchObject({ 'data-instance-id': INSTANCE, 'data-benchmark': 'debian12' });
    expect(textOf(findOne(part, (el) => el.name === 'h3'))).toContain('CIS Debian 12 Benchmark v1.1.0');
    expect(textOf(part)).toContain('Profile Level 2 - Server.');
    const rows = findAll(
      findOne(part, (el) => el.name === 'table' && hasClass(el, 'compliance-scores')),
      (el) => el.name === 'tr' && el.attrs['data-section'] !== undefined,
    );
    expect(rows.map((r) => r.attrs['data-section'])).toEqual(['1', '4', '5', '10', 'all']);
    const cells = (r: ElementNode) => findAll(r, (el) => el.name === 'td').map((td) => textOf(td).trim());
    // controls, passed, failed, n/a, error, score
    expect(cells(rows[0]!)).toEqual(['3', '1', '1', '1', '0', '50% (1 / 2)']);
    expect(cells(rows[1]!)).toEqual(['1', '0', '0', '0', '1', '— (0 / 0)']);
    expect(cells(rows[2]!)).toEqual(['2', '2', '0', '0', '0', '100% (2 / 2)']);
    expect(cells(rows[3]!)).toEqual(['1', '0', '1', '0', '0', '0% (0 / 1)']);
    expect(cells(rows[4]!)).toEqual(['7', '3', '2', '1', '1', '60% (3 / 5)']);
    expect(findAll(doc, (el) => el.name === 'a' && el.attrs.href === '#compliance')).toHaveLength(1);
  });

  it('lists the failed controls with evidence and fix in the findings report, by section', () => {
    const { doc } = render(cisOutput(), 'findings');
    const part = findOne(doc, byId('compliance'));
    const sections = findAll(part, (el) => el.name === 'section' && hasClass(el, 'compliance-section'));
    expect(sections.map((s) => s.attrs['data-section'])).toEqual(['1', '10']);
    const failed = findAll(part, (el) => hasClass(el, 'failed-control'));
    expect(failed.map((f) => f.attrs['data-rule-id'])).toEqual(['cis.debian12.1.1.2', 'cis.debian12.10.1']);
    const first = textOf(failed[0]!);
    expect(first).toContain(`/tmp lacks nodev ${SCRIPT}`);
    expect(first).not.toContain('/tmp is a separate mount');
    expect(first).toContain('/etc/fstab');
    expect(first).toContain(IMG);
    expect(first).toContain(`Add nodev to /tmp in /etc/fstab ${IMG}`);
    expect(findAll(part, (el) => el.name === 'tr' && el.attrs['data-rule-id'] !== undefined)).toEqual([]);
  });

  it('lists every control with its result in the full report, one table per section', () => {
    const { html, doc } = render(cisOutput(), 'full');
    checkNoInjectedMarkup(html, doc);
    const part = findOne(doc, byId('compliance'));
    const tables = findAll(part, (el) => el.name === 'table' && hasClass(el, 'controls'));
    expect(tables).toHaveLength(4);
    const rows = findAll(part, (el) => el.name === 'tr' && el.attrs['data-rule-id'] !== undefined);
    expect(rows.map((r) => `${r.attrs['data-rule-id']} ${r.attrs['data-result']}`)).toEqual([
      'cis.debian12.1.1.1 PASS',
      'cis.debian12.1.1.2 FAIL',
      'cis.debian12.1.2 NOT_APPLICABLE',
      'cis.debian12.4.1 ERROR',
      'cis.debian12.5.1.20 PASS',
      'cis.debian12.5.2 PASS',
      'cis.debian12.10.1 FAIL',
    ]);
    expect(textOf(part)).toContain(`1 of 2 checks failed: mount_option_tmp_nodev ${SCRIPT}`);
    expect(html).toContain(SCRIPT_ESCAPED);
  });
});
