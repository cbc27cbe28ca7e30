/**
 * Interpreter recognition (by the executable's basename, as /proc/PID/exe names it) and the script argument
 * of real command lines: shebang launches (the kernel passes the script's path after the interpreter and its
 * shebang options), services' ExecStart lines, inline code, modules and standard input.
 */
import { describe, expect, it } from 'vitest';
import { type Interpreter, interpreterOf, scriptArgumentIndex } from '../../../agent/interpreter';

describe('interpreterOf', () => {
  it.each<[string, string | undefined, Interpreter | undefined]>([
    ['/usr/bin/python3.11', 'python3', 'python'],
    ['/usr/bin/python3', undefined, 'python'],
    ['/usr/bin/python2.7', 'python', 'python'],
    ['/usr/bin/python3.6m', 'python3', 'python'],
    ['/usr/bin/pypy3', 'pypy3', 'python'],
    // RHEL/CentOS 8 system Python (firewalld, tuned and dnf run as root on it).
    ['/usr/libexec/platform-python3.6', '/usr/libexec/platform-python', 'python'],
    ['/usr/bin/bash', 'bash', 'shell'],
    ['/usr/bin/dash', 'sh', 'shell'],
    ['/bin/zsh', '-zsh', 'shell'],
    ['/usr/bin/perl5.36.0', 'perl', 'perl'],
    ['/usr/bin/perl', '/usr/bin/perl', 'perl'],
    ['/usr/bin/ruby3.1', 'ruby', 'ruby'],
    ['/usr/bin/node', 'node', 'node'],
    ['/usr/local/bin/nodejs', 'nodejs', 'node'],
    ['/usr/bin/php8.2', 'php', 'php'],
    ['/usr/lib/jvm/java-17-openjdk-amd64/bin/java', 'java', 'java'],
    ['/usr/bin/lua5.4', 'lua', 'lua'],
    ['/bin/busybox', 'sh', 'shell'],
    ['/bin/busybox', '/bin/sh', 'shell'],
    ['/bin/busybox', '-ash', 'shell'],
    // Not interpreters, or not ones that run a script file of their own.
    ['/bin/busybox', 'crond', undefined],
    ['/usr/bin/python3-config', 'python3-config', undefined],
    ['/usr/sbin/php-fpm8.2', 'php-fpm: master process', undefined],
    ['/usr/bin/javac', 'javac', undefined],
    ['/usr/bin/bashbug', 'bashbug', undefined],
    ['/usr/sbin/sshd', 'sshd', undefined],
    ['/usr/bin/perldoc', 'perldoc', undefined],
    ['/usr/bin/nodemon', 'nodemon', undefined],
    // argv[0] is whatever the process says: it does not make sshd a shell.
    ['/usr/sbin/sshd', 'bash', undefined],
  ])('%s (argv[0] %s) is %s', (exe, argv0, kind) => {
    expect(interpreterOf(exe, argv0)).toBe(kind);
  });
});

/** The script argument of a command line, or undefined. */
function script(exe: string, args: string[]): string | undefined {
  const kind = interpreterOf(exe, args[0]);
  if (!kind) throw new Error(`${exe} is no interpreter`);
  const i = scriptArgumentIndex(kind, args);
  return i === undefined ? undefined : args[i];
}

describe('scriptArgumentIndex on real argv shapes', () => {
  it.each<[string, string[], string | undefined]>([
    // Shells: shebang launches, systemd ExecStart, options that take a value, inline code, stdin.
    ['/usr/bin/dash', ['/bin/sh', '/usr/sbin/backup.sh'], '/usr/sbin/backup.sh'],
    ['/usr/bin/dash', ['/bin/sh', '-e', '/etc/init.d/cron', 'start'], '/etc/init.d/cron'],
    ['/usr/bin/bash', ['bash', './deploy.sh', '--prod'], './deploy.sh'],
    ['/usr/bin/bash', ['/bin/bash', '-x', '-o', 'pipefail', 'run.sh'], 'run.sh'],
    ['/usr/bin/bash', ['bash', '-eo', 'pipefail', 'run.sh'], 'run.sh'],
    ['/usr/bin/bash', ['bash', '+o', 'history', 'run.sh'], 'run.sh'],
    ['/usr/bin/bash', ['bash', '-O', 'extglob', 'run.sh'], 'run.sh'],
    ['/usr/bin/bash', ['bash', '--rcfile', '/etc/x.rc', 'run.sh'], 'run.sh'],
    ['/usr/bin/bash', ['bash', '--norc', '--', 'run.sh'], 'run.sh'],
    ['/usr/bin/bash', ['bash', '-c', 'while true; do sleep 1; done'], undefined],
    ['/usr/bin/bash', ['/bin/bash', '-lc', 'exec /opt/app/bin/start'], undefined],
    ['/usr/bin/dash', ['sh', '-ec', 'echo hi'], undefined],
    ['/usr/bin/bash', ['bash', '-s', 'arg'], undefined],
    ['/usr/bin/bash', ['-bash'], undefined],
    ['/usr/bin/bash', ['bash', '-i'], undefined],
    ['/bin/busybox', ['/bin/sh', '/etc/periodic/daily/cleanup'], '/etc/periodic/daily/cleanup'],
    // Python: value options (-W, -X), module and inline code.
    [
      '/usr/bin/python3.11',
      ['/usr/bin/python3', '/usr/bin/unattended-upgrade-shutdown'],
      '/usr/bin/unattended-upgrade-shutdown',
    ],
    [
      '/usr/bin/python3.11',
      ['/usr/bin/python3', '-s', '/usr/bin/networkd-dispatcher', '--run-startup-triggers'],
      '/usr/bin/networkd-dispatcher',
    ],
    ['/usr/bin/python3.11', ['python3', '-u', '-W', 'ignore', 'app.py', '--port', '80'], 'app.py'],
    ['/usr/bin/python3.11', ['python3', '-Wignore', '-X', 'utf8', 'app.py'], 'app.py'],
    ['/usr/bin/python3.11', ['python3', '-m', 'http.server', '8000'], undefined],
    ['/usr/bin/python3.11', ['python3', '-m', 'app.py'], undefined],
    ['/usr/bin/python3.11', ['python3', '-mhttp.server'], undefined],
    ['/usr/bin/python3.11', ['python3', '-Bc', 'import x'], undefined],
    ['/usr/bin/python3.11', ['python3', '-c', 'import app; app.main()'], undefined],
    ['/usr/bin/python3.11', ['python3', '-'], undefined],
    ['/usr/bin/python3.11', ['python3'], undefined],
    ['/usr/bin/python2.7', ['/usr/bin/python2', '-OO', '--', 'job.py'], 'job.py'],
    // Perl: -e/-E inline (also in clusters), -I with a separate value, attached-value switches.
    ['/usr/bin/perl5.36.0', ['/usr/bin/perl', '-w', '/usr/sbin/munin-node'], '/usr/sbin/munin-node'],
    ['/usr/bin/perl5.36.0', ['/usr/bin/perl', '-T', '-I', '/opt/lib', 'cgi.pl'], 'cgi.pl'],
    ['/usr/bin/perl5.36.0', ['perl', '-Mstrict', '-Mfeature=say', 'tool.pl'], 'tool.pl'],
    ['/usr/bin/perl5.36.0', ['perl', '-pi.bak', 'fix.pl', 'in.txt'], 'fix.pl'],
    ['/usr/bin/perl5.36.0', ['perl', '-l0ne', 'print'], undefined],
    ['/usr/bin/perl5.36.0', ['perl', '-lne', 'print if /x/', 'file'], undefined],
    ['/usr/bin/perl5.36.0', ['perl', '-E', 'say 1'], undefined],
    ['/usr/bin/perl5.36.0', ['perl', '-0777', 'slurp.pl'], 'slurp.pl'],
    // Ruby, node, php, lua.
    ['/usr/bin/ruby3.1', ['ruby', '-r', 'bundler/setup', '-w', 'bin/rails', 'server'], 'bin/rails'],
    ['/usr/bin/ruby3.1', ['ruby', '-Ilib', '-e', 'puts 1'], undefined],
    ['/usr/bin/node', ['node', '/srv/app/server.js'], '/srv/app/server.js'],
    [
      '/usr/bin/node',
      ['node', '--max-old-space-size=512', '--require', 'dotenv/config', 'dist/index.js'],
      'dist/index.js',
    ],
    ['/usr/bin/node', ['node', '--import', 'tsx', 'bench/agent.ts'], 'bench/agent.ts'],
    ['/usr/bin/node', ['node', '--inspect', 'inspect', 'app.js'], 'app.js'],
    ['/usr/bin/node', ['node', '-e', 'setInterval(() => {}, 1e9)'], undefined],
    ['/usr/bin/node', ['node', '-pe', '1 + 1'], undefined],
    ['/usr/bin/node', ['node', '--eval=1'], undefined],
    ['/usr/bin/node', ['node'], undefined],
    ['/usr/bin/php8.2', ['php', '/var/www/artisan', 'queue:work'], '/var/www/artisan'],
    ['/usr/bin/php8.2', ['php', '-d', 'memory_limit=-1', '-f', 'cron.php'], 'cron.php'],
    ['/usr/bin/php8.2', ['php', '-dmemory_limit=1G', 'worker.php'], 'worker.php'],
    ['/usr/bin/php8.2', ['php', '-r', 'echo 1;'], undefined],
    ['/usr/bin/php8.2', ['php', '-a'], undefined],
    ['/usr/bin/lua5.4', ['lua', '-l', 'socket', 'daemon.lua'], 'daemon.lua'],
    ['/usr/bin/lua5.4', ['lua', '-e', 'print(1)'], undefined],
    // java: only -jar X (and source-file mode) name a file; a main class or a module does not.
    [
      '/usr/bin/java',
      ['java', '-Xmx1g', '-Dspring.profiles.active=prod', '-jar', '/opt/app/app.jar', '--server.port=80'],
      '/opt/app/app.jar',
    ],
    ['/usr/bin/java', ['java', '-cp', '/opt/lib/*', '-jar', 'app.jar'], 'app.jar'],
    ['/usr/bin/java', ['java', '-cp', 'app.jar', 'com.example.Main'], undefined],
    ['/usr/bin/java', ['java', '-Djava.library.path=x', '-jar'], undefined],
    ['/usr/bin/java', ['java', '--module-path', 'mods', '-m', 'app/com.example.Main'], undefined],
    ['/usr/bin/java', ['java', '--source', '17', 'Hello.java'], 'Hello.java'],
    ['/usr/bin/java', ['java', '-version'], undefined],
  ])('%s %j → %s', (exe, args, expected) => {
    expect(script(exe, args)).toBe(expected);
  });
});
