/**
 * Amazon Linux updateinfo.xml (ALAS for AL1, AL2 with its Extras topics, AL2022 and AL2023): one `<update>` →
 * one advisory listing each binary rpm with its fixed EVR and architectures. Only `type="security"`
 * updates are vulnerabilities; others are counted as skipped. Pure: text in, ReadResult out.
 */
import * as z from 'zod';
import {
  type Advisory,
  type AffectedPackage,
  countSkip,
  emptyRead,
  type ReadResult,
  type ReleaseKey,
} from '../model';
import { compareCve } from './osv';
import { child, childrenNamed, parseXml, type XmlElement } from './xml';

const packageAttrs = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  release: z.string().min(1),
  epoch: z.string().regex(/^\d*$/).optional(),
  arch: z.string().min(1),
});

/**
 * The release an ALAS id belongs to, and the Extras topic for AL2 (ALAS2KERNEL-5.10-2022-001 → KERNEL-5.10).
 * Kernel live patch advisories: ALAS2LIVEPATCH-2020-002 on AL2 (`yum updateinfo list`), ALAS2023LIVEPATCH-… on
 * AL2023 (the web site lists both as ALASLIVEPATCH-…; that form needs the collection to tell the release).
 */
export function alasRelease(
  id: string,
  collectionShort?: string,
): { key: ReleaseKey; extra?: string } | undefined {
  if (/^ALAS2023([A-Z][A-Z0-9.-]*)?-\d{4}-\d+$/.test(id))
    return { key: { family: 'amazon', release: '2023' } };
  if (/^ALAS2022([A-Z][A-Z0-9.-]*)?-\d{4}-\d+$/.test(id))
    return { key: { family: 'amazon', release: '2022' } };
  const extra = /^ALAS2([A-Z][A-Z0-9.-]*?)-\d{4}-\d+$/.exec(id);
  if (extra) return { key: { family: 'amazon', release: '2' }, extra: extra[1]! };
  if (id.startsWith('ALAS2-')) return { key: { family: 'amazon', release: '2' } };
  if (id.startsWith('ALAS-')) return { key: { family: 'amazon', release: '1' } };
  const m = /^amazon-linux-(\d+)$/.exec(collectionShort ?? '');
  if (m) return { key: { family: 'amazon', release: m[1]! } };
  return undefined;
}

export function readUpdateinfo(text: string, source: string): ReadResult {
  const out = emptyRead();
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (err) {
    out.errors.push({ source, message: `updateinfo is not well-formed XML: ${(err as Error).message}` });
    return out;
  }
  if (root.name !== 'updates') {
    out.errors.push({ source, message: `updateinfo root element is <${root.name}>, expected <updates>` });
    return out;
  }
  for (const [i, u] of childrenNamed(root, 'update').entries()) {
    out.records++;
    const where = `${source} update[${i}]`;
    const id = child(u, 'id')?.text.trim();
    if (!id) {
      out.errors.push({ source: where, message: 'update without an <id>' });
      continue;
    }
    if (u.attrs.type !== 'security') {
      countSkip(out.skipped, `updateinfo type ${u.attrs.type ?? '(none)'}`);
      continue;
    }
    const collections = childrenNamed(
      child(u, 'pkglist') ?? { name: '', attrs: {}, children: [], text: '' },
      'collection',
    );
    const rel = alasRelease(id, collections[0]?.attrs.short);
    if (!rel) {
      out.errors.push({ source: where, message: `${id}: cannot tell which Amazon Linux release it is for` });
      continue;
    }
    const byEvr = new Map<string, AffectedPackage>();
    let bad: string | undefined;
    for (const col of collections) {
      for (const p of childrenNamed(col, 'package')) {
        const a = packageAttrs.safeParse(p.attrs);
        if (!a.success) {
          const issue = a.error.issues[0];
          bad = `${id}: <package> ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
          break;
        }
        const { name, version, release, epoch, arch } = a.data;
        const evr = epoch && epoch !== '0' ? `${epoch}:${version}-${release}` : `${version}-${release}`;
        const k = `${name}\u0000${evr}`;
        let pkg = byEvr.get(k);
        if (!pkg) {
          pkg = {
            name,
            ranges: [
              [
                { kind: 'introduced', version: '0' },
                { kind: 'fixed', version: evr },
              ],
            ],
            versions: [],
            arches: [],
            wontFix: false,
          };
          // A live patch's version (1.0) is no kernel stream: its package name names the kernel it patches.
          if (rel.extra && rel.extra !== 'LIVEPATCH') {
            const stream = /^(\d+\.\d+)/.exec(version)?.[1] ?? /^(\d+)/.exec(version)?.[1];
            if (stream) pkg.stream = stream;
          }
          byEvr.set(k, pkg);
        }
        if (!pkg.arches.includes(arch)) pkg.arches.push(arch);
      }
      if (bad) break;
    }
    if (bad) {
      out.errors.push({ source: where, message: bad });
      continue;
    }
    if (byEvr.size === 0) {
      out.errors.push({ source: where, message: `${id}: security update without any <package>` });
      continue;
    }
    const cves = new Set<string>();
    const refs: string[] = [];
    for (const r of childrenNamed(
      child(u, 'references') ?? { name: '', attrs: {}, children: [], text: '' },
      'reference',
    )) {
      if (r.attrs.type === 'cve' && r.attrs.id && /^CVE-\d{4}-\d{4,}$/.test(r.attrs.id)) cves.add(r.attrs.id);
      if (r.attrs.href && refs.length < 4) refs.push(r.attrs.href);
    }
    const advisoryUrl = alasUrl(id, rel.key.release);
    const adv: Advisory = {
      id,
      key: rel.key,
      cves: [...cves].sort(compareCve),
      references: advisoryUrl ? [advisoryUrl, ...refs].slice(0, 5) : refs,
      packages: [...byEvr.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
    const sev = child(u, 'severity')?.text.trim().toLowerCase();
    if (sev) adv.severity = sev;
    const issued = child(u, 'issued')?.attrs.date;
    if (issued) adv.published = issued;
    const title = child(u, 'title')?.text.trim();
    if (title) adv.summary = title.length > 200 ? `${title.slice(0, 197)}...` : title;
    out.advisories.push(adv);
  }
  return out;
}

function alasUrl(id: string, release: string): string | undefined {
  if (release === '2023') return `https://alas.aws.amazon.com/AL2023/${id}.html`;
  if (release === '2') return `https://alas.aws.amazon.com/AL2/${id}.html`;
  if (release === '1') return `https://alas.aws.amazon.com/${id}.html`;
  return undefined;
}

/** repomd.xml → the location of the updateinfo data (href relative to the repository base). */
export function updateinfoLocation(repomd: string): string | undefined {
  const root = parseXml(repomd);
  for (const d of childrenNamed(root, 'data')) {
    if (d.attrs.type === 'updateinfo') return child(d, 'location')?.attrs.href;
  }
  return undefined;
}
