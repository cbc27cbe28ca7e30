/**
 * The kernel's live patch interface, /sys/kernel/livepatch (Documentation/ABI/testing/sysfs-kernel-livepatch):
 * one directory per loaded patch module, named after the module, each with an `enabled` attribute, "1" while
 * the patched code is applied and "0" once disabled. Amazon Linux names its patch modules after what they fix
 * (`kpatch list` on AL2: `livepatch_CVE_2019_20096 [enabled]`, `livepatch_cifs_lease_buffer_len [enabled]`).
 * Pure: text in, values out.
 */

/** `enabled` file content → true / false; undefined when it is neither "0" nor "1". */
export function parseLivepatchEnabled(text: string): boolean | undefined {
  const v = text.trim();
  return v === '1' ? true : v === '0' ? false : undefined;
}

/** The CVE a patch module is named after (livepatch_CVE_2019_20096 → CVE-2019-20096), if any. */
export function livepatchModuleCve(moduleName: string): string | undefined {
  const m = /(?:^|[_-])cve[_-](\d{4})[_-](\d{4,})(?=$|[_-])/i.exec(moduleName);
  return m ? `CVE-${m[1]}-${m[2]}` : undefined;
}
