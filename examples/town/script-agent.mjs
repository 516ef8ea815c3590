#!/usr/bin/env node
// Stands in for an AI CLI in town agents (tests and demos): reads the task on stdin, like
// `claude --print` does, and acts on words in it.
//   fail        prints a line, exits 2
//   sleep <ms>  sleeps, then succeeds
//   hang        never exits (until killed)
//   until <file> waits until the file exists, then succeeds (a test holds the round with it)
//   otherwise   prints "done: <task>", exits 0
let text = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) text += chunk;
const task = text.trim();
console.error(`script-agent ${process.env.TAHO_AGENT_NAME ?? '?'} got task ${process.env.TAHO_TASK_ID ?? '?'}`);

if (/\bfail\b/.test(task)) {
  console.log(`cannot do: ${task}`);
  process.exit(2);
}
if (/\bhang\b/.test(task)) {
  console.log('hanging');
  setInterval(() => {}, 1 << 30);
} else {
  const sleep = /\bsleep (\d+)\b/.exec(task);
  if (sleep) await new Promise((resolve) => setTimeout(resolve, Number(sleep[1])));
  const until = /\buntil (\S+)/.exec(task);
  if (until) {
    const { existsSync } = await import('node:fs');
    while (!existsSync(until[1])) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log(`done: ${task}`);
}
