/**
 * Which script or archive an interpreter process runs, from its executable and its arguments (pure; the
 * runtime sampler resolves and stats what this names). A root process that runs a world-writable script
 * is as exposed as one whose executable is world-writable, so the script is recorded beside the executable.
 *
 * The interpreter is recognised by the executable's basename (what /proc/PID/exe names: `python3.11`,
 * `perl5.36.0`, `dash` for `sh`), never by argv[0], which a process may set to anything; the one exception
 * is busybox, whose applet is chosen by argv[0]. The script is the first non-option argument, after the
 * options that take a value; an option meaning inline code (`-c`, `-e`), a module (`python -m`, `java -m`)
 * or standard input (`-`, `sh -s`) means no script. What comes after the script is the script's own
 * arguments and is never looked at.
 */
import path from 'node:path';

export type Interpreter = 'shell' | 'python' | 'perl' | 'ruby' | 'node' | 'php' | 'java' | 'lua';

const NAMES: ReadonlyArray<[RegExp, Interpreter]> = [
  [/^(?:sh|bash|dash|zsh|ksh|ksh93|mksh|ash|yash|posh)$/, 'shell'],
  // python, python3, python3.11, python2.7, python3.6m (pymalloc builds), python3.12d (debug), pypy3.9,
  // platform-python3.6 (RHEL 8's system Python, which firewalld, tuned and dnf run on as root).
  [/^(?:platform-)?(?:python|pypy)(?:\d+(?:\.\d+)*)?[dmu]?$/, 'python'],
  // perl, perl5.36.0 (Debian's hard link of /usr/bin/perl).
  [/^perl(?:\d+(?:\.\d+)*)?$/, 'perl'],
  [/^ruby(?:\d+(?:\.\d+)*)?$/, 'ruby'],
  [/^(?:node|nodejs)$/, 'node'],
  // php, php8.2 (the CLI; php-fpm and php-cgi serve requests, they run no script of their own).
  [/^php(?:\d+(?:\.\d+)*)?$/, 'php'],
  [/^java$/, 'java'],
  [/^lua(?:\d+(?:\.\d+)*)?$/, 'lua'],
];

/** The interpreter an executable is, or undefined. `argv0` matters only for busybox (its applet). */
export function interpreterOf(exe: string, argv0?: string): Interpreter | undefined {
  const base = path.posix.basename(exe);
  if (/^busybox(?:\.static)?$/.test(base)) {
    // `sh` as a busybox applet (Alpine's /bin/sh links to /bin/busybox).
    const applet = argv0 === undefined ? '' : path.posix.basename(argv0.replace(/^-/, ''));
    return applet === 'sh' || applet === 'ash' ? 'shell' : undefined;
  }
  for (const [re, kind] of NAMES) if (re.test(base)) return kind;
  return undefined;
}

/**
 * Index in `args` (argv, argv[0] included) of the script an interpreter runs, or undefined when it runs
 * none (inline code, a module, standard input, an interactive session, a Java main class).
 */
export function scriptArgumentIndex(kind: Interpreter, args: readonly string[]): number | undefined {
  switch (kind) {
    case 'shell':
      return shellScript(args);
    case 'python':
      return clustered(args, { inline: 'cm', value: 'WXQ' });
    case 'perl':
      return perlScript(args);
    case 'ruby':
      // -I dir, -r lib, -C dir, -E enc take a value (attached or next); -x, -i, -F, -K, -T, -W, -0 only
      // attached ones (the rest of the cluster).
      return clustered(args, { inline: 'e', value: 'IrCE', attached: 'xiFKTW0' });
    case 'node':
      return nodeScript(args);
    case 'php':
      return phpScript(args);
    case 'java':
      return javaScript(args);
    case 'lua':
      return clustered(args, { inline: 'e', value: 'l' });
  }
}

/** The next index if it exists. */
function at(args: readonly string[], i: number): number | undefined {
  return i < args.length ? i : undefined;
}

/**
 * getopt-style single-letter clusters (`-uWignore`, `-Bc code`): a letter of `inline` means inline code or a
 * module (no script), a letter of `value` takes the rest of the cluster or else the next argument, a letter
 * of `attached` takes the rest of the cluster only. Long options (`--foo`, `--foo=x`) take no value.
 */
function clustered(
  args: readonly string[],
  o: { inline: string; value: string; attached?: string },
): number | undefined {
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-') return undefined; // standard input
    if (a === '--') return at(args, i + 1);
    if (a.startsWith('--')) continue;
    if (!a.startsWith('-')) return i;
    for (let j = 1; j < a.length; j++) {
      const ch = a[j]!;
      if (o.inline.includes(ch)) return undefined;
      if (o.value.includes(ch)) {
        if (j === a.length - 1) i++; // the value is the next argument
        break;
      }
      if (o.attached?.includes(ch)) break;
    }
  }
  return undefined;
}

/**
 * sh, bash, dash, zsh, ksh: `-c` (in any cluster: `-ec`, `-lc`) is inline code and `-s` reads standard
 * input; `-o opt` / `+o opt` and bash's `-O opt` / `+O opt` take the next argument (one per o/O in a
 * cluster: `-eo pipefail`); `--rcfile F` and `--init-file F` too; `-` and `--` end the options.
 */
function shellScript(args: readonly string[]): number | undefined {
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--' || a === '-') return at(args, i + 1);
    if (a.startsWith('--')) {
      if (a === '--rcfile' || a === '--init-file') i++;
      continue;
    }
    if ((a.startsWith('-') || a.startsWith('+')) && a.length > 1) {
      const letters = a.slice(1);
      if (a.startsWith('-') && (letters.includes('c') || letters.includes('s'))) return undefined;
      i += [...letters].filter((ch) => ch === 'o' || ch === 'O').length;
      continue;
    }
    return i;
  }
  return undefined;
}

/**
 * perl: `-e`/`-E` are inline code; `-I dir` takes the rest of the cluster or the next argument; `-M`, `-m`,
 * `-x`, `-i`, `-d`, `-D`, `-V`, `-C` take the rest of the cluster (`-pi.bak` is -p then -i with extension
 * ".bak"; `-Mfeature` is not -e); `-0` and `-l` take the digits that follow (`-lne` is -l, -n, -e).
 */
function perlScript(args: readonly string[]): number | undefined {
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-') return undefined;
    if (a === '--') return at(args, i + 1);
    if (!a.startsWith('-') || a.length === 1) return i;
    for (let j = 1; j < a.length; j++) {
      const ch = a[j]!;
      if (ch === 'e' || ch === 'E') return undefined;
      if (ch === 'I') {
        if (j === a.length - 1) i++;
        break;
      }
      if ('MmxidDVC'.includes(ch)) break;
      // -0 takes octal digits or x and hex digits, -l octal digits; the cluster goes on after them.
      if (ch !== '0' && ch !== 'l') continue;
      let digits = /[0-7]/;
      if (ch === '0' && a[j + 1] === 'x') {
        j++;
        digits = /[0-9a-fA-F]/;
      }
      while (j + 1 < a.length && digits.test(a[j + 1]!)) j++;
    }
  }
  return undefined;
}

/** node's options whose value may be the next argument (`--require X`; `--require=X` is one argument). */
const NODE_VALUE_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--input-type',
  '--title',
  '--openssl-config',
  '--redirect-warnings',
  '--icu-data-dir',
  '--disable-warning',
  '--watch-path',
  '--diagnostic-dir',
  '--report-dir',
  '--report-directory',
  '--report-filename',
  '--heapsnapshot-signal',
  '--cpu-prof-dir',
  '--cpu-prof-name',
  '--heap-prof-dir',
  '--heap-prof-name',
  '--secure-heap',
  '--secure-heap-min',
  '--unhandled-rejections',
  '--tls-cipher-list',
  '--tls-keylog',
  '--experimental-policy',
  '--policy-integrity',
  '--dns-result-order',
  '--max-http-header-size',
  '--test-reporter',
  '--test-reporter-destination',
  '--test-name-pattern',
  '--experimental-sea-config',
]);

/** node: `-e`, `-p` (and `-pe`), `--eval`, `--print` are inline code; `node inspect app.js` runs app.js. */
function nodeScript(args: readonly string[]): number | undefined {
  let positional = 0;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-') return undefined;
    if (a === '--') return at(args, i + 1);
    if (/^-(?:e|p|pe|ep)$/.test(a) || /^--(?:eval|print)(?:=|$)/.test(a)) return undefined;
    if (NODE_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (positional++ === 0 && a === 'inspect') continue;
    return i;
  }
  return undefined;
}

/**
 * php (CLI): `-f file` and `-F file` name the script; `-r`/`-R` are inline code, `-a` interactive;
 * `-c`, `-d`, `-z`, `-t`, `-S`, `-B`, `-E` take a value (attached or next); `--` with no script reads
 * standard input.
 */
function phpScript(args: readonly string[]): number | undefined {
  const long: Record<string, string> = {
    '--file': 'f',
    '--process-file': 'F',
    '--run': 'r',
    '--process-code': 'R',
    '--interactive': 'a',
    '--php-ini': 'c',
    '--define': 'd',
    '--zend-extension': 'z',
    '--docroot': 't',
    '--server': 'S',
    '--process-begin': 'B',
    '--process-end': 'E',
  };
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-' || a === '--') return undefined;
    const letter = long[a] ?? (/^-[a-zA-Z]/.test(a) ? a[1] : undefined);
    if (letter === undefined) {
      if (a.startsWith('-')) continue;
      return i;
    }
    const attached = !(a in long) && a.length > 2;
    if (letter === 'f' || letter === 'F') return attached ? undefined : at(args, i + 1);
    if (letter === 'r' || letter === 'R' || letter === 'a') return undefined;
    if ('cdztSBE'.includes(letter) && !attached) i++;
  }
  return undefined;
}

/** The java launcher's options whose value is the next argument. */
const JAVA_VALUE_OPTIONS = new Set([
  '-cp',
  '-classpath',
  '--class-path',
  '-p',
  '--module-path',
  '--upgrade-module-path',
  '--add-modules',
  '--add-reads',
  '--add-exports',
  '--add-opens',
  '--limit-modules',
  '--patch-module',
  '--source',
]);

/**
 * java: `-jar X` runs archive X; a first non-option argument ending in `.java` is source-file mode (JDK 11+);
 * any other first non-option argument is a main class, and `-m`/`--module` a module: no script file.
 */
function javaScript(args: readonly string[]): number | undefined {
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-jar') return at(args, i + 1);
    if (a === '-m' || a === '--module' || a.startsWith('--module=')) return undefined;
    if (JAVA_VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    // -Xmx1g, -Dk=v, -verbose:gc, -javaagent:x.jar, @argfiles (not read).
    if (a.startsWith('-') || a.startsWith('@')) continue;
    return a.endsWith('.java') ? i : undefined;
  }
  return undefined;
}
