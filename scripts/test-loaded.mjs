// `npm run test:loaded`: the whole suite while two busy loops keep both cores of a small machine
// busy, so tests that lean on timing fail here rather than on a colleague's loaded machine.
// `npm run test:loaded -- 3` runs the suite three times in a row (stops at the first failure).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const rounds = Math.max(1, Number(process.argv[2] ?? 1) || 1);
const loops = Math.max(2, Math.min(availableParallelism(), 2));
// Plain busy loops on the Node running this script: no tool to install, killed by pid at the end.
const burners = Array.from({ length: loops }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stop = () => {
  for (const b of burners) if (b.exitCode === null) b.kill('SIGKILL');
};
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

let code = 0;
for (let round = 1; round <= rounds && code === 0; round++) {
  process.stdout.write(`\n== npm test under load (${loops} busy loops), round ${round} of ${rounds} ==\n`);
  const started = Date.now();
  code = await new Promise((resolve) => {
    const t = spawn('npm', ['test'], { stdio: 'inherit' });
    t.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  process.stdout.write(`== round ${round}: ${code === 0 ? 'passed' : `failed (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(0)} s ==\n`);
}
stop();
process.exit(code);
