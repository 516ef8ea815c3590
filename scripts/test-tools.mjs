// Installs the Debian packages the tests drive for real (tmux gives `tt status` a terminal,
// redis-server backs the Redis store's conformance and fault tests, openssl makes its TLS
// certificates), so a
// fresh machine needs nothing beyond the README's test command. Runs before vitest in `npm test`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needed = [{ bin: 'tmux', pkg: 'tmux' }, { bin: 'redis-server', pkg: 'redis-server' }, { bin: 'openssl', pkg: 'openssl' }];
const onPath = (bin) => (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(`${dir}/${bin}`));
const missing = needed.filter((t) => !onPath(t.bin));
if (missing.length > 0) {
  const pkgs = missing.map((t) => t.pkg);
  const canInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (!canInstall) {
    console.error(`The tests need ${pkgs.join(', ')}, which is not installed. Install it (Debian: sudo apt-get install -y ${pkgs.join(' ')}) and run the tests again.`);
    process.exit(1);
  }
  console.error(`installing ${pkgs.join(', ')} for the tests (apt-get)…`);
  const run = (args) => execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['update', '-qq']);
  run(['install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
}
