import type { Hook } from '@oclif/core';
import { distance } from 'fastest-levenshtein';

/**
 * "Did you mean" for a mistyped command, in taho's Error/Hint words, on a terminal or a pipe.
 * (@oclif/plugin-not-found matches the whole line, arguments included, against command ids, so
 * `taho invok example/hello greet` suggested `components get`; and it says nothing when piped.)
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const words = [...opts.id.split(':'), ...(opts.argv ?? [])];
  const commands = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  const topics = opts.config.topics.filter((t) => !t.hidden).map((t) => t.name);
  const typed = (n: number): string => words.slice(0, n).join(' ');
  // Compare each command with as many typed words as it has: the rest are its arguments.
  const closest = (ids: readonly string[]) => ids
    .map((id) => id.replaceAll(':', ' '))
    .map((name) => ({ name, d: distance(typed(name.split(' ').length), name) }))
    .filter((c) => c.d > 0 && c.d <= Math.max(2, Math.floor(c.name.length / 3)))
    .sort((a, b) => a.d - b.d || a.name.length - b.name.length)[0];
  const best = closest(commands) ?? closest(topics);
  const bin = opts.config.bin;
  process.stderr.write(`Error: \`${typed(best?.name.split(' ').length ?? 1)}\` is not a ${bin} command\n`);
  process.stderr.write(best
    ? `Hint: Did you mean \`${bin} ${best.name}\`? \`${bin} help\` lists the commands.\n`
    : `Hint: \`${bin} help\` lists the commands; \`${bin} help <command>\` explains one.\n`);
  this.exit(2);
};

export default hook;
