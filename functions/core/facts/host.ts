/** Host identity facts: os-release, hostname, kernel release. */
import { type OsRelease, parseOsRelease } from '../../parsers/os-release';
import { type Fact, type Facts, fact, noFact } from './facts';

export function osRelease(facts: Facts): Fact<OsRelease & { source: string }> {
  return facts.memo('os-release', () => {
    for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
      const t = facts.text(p);
      if (t.ok) return fact({ ...parseOsRelease(t.value.text), source: p });
    }
    return noFact('neither /etc/os-release nor /usr/lib/os-release could be read');
  });
}

export function hostname(facts: Facts): string | undefined {
  const etc = facts.text('/etc/hostname');
  const fromFile = etc.ok ? etc.value.text.split('\n')[0]?.trim() : undefined;
  if (fromFile) return fromFile;
  const k = facts.kernelParameter('kernel.hostname');
  return k.ok && k.value ? k.value : undefined;
}

export function kernelRelease(facts: Facts): string | undefined {
  const k = facts.kernelParameter('kernel.osrelease');
  return k.ok ? k.value : undefined;
}

export function machineId(facts: Facts): string | undefined {
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    const t = facts.text(p);
    const id = t.ok ? t.value.text.trim() : '';
    if (/^[0-9a-f]{32}$/i.test(id)) return id.toLowerCase();
  }
  return undefined;
}

export function osName(facts: Facts): string | undefined {
  const os = osRelease(facts);
  if (!os.ok) return undefined;
  return (
    os.value.PRETTY_NAME ?? ([os.value.NAME, os.value.VERSION_ID].filter(Boolean).join(' ') || undefined)
  );
}
