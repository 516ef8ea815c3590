import type { Kind } from './project.js';

/** The files `taho new` writes, relative to the project folder. */
export function templateFiles(kind: Kind, domain: string, name: string): Record<string, string> {
  const world = WORLDS[kind](`${domain}:${name}`, name);
  return {
    'wit/world.wit': world,
    'src/index.ts': SOURCES[kind](`${domain}/${name}`),
    'tsconfig.json': TSCONFIG,
    '.gitignore': 'generated/\n',
  };
}

// The snapshot interfaces are Golem's, as examples/wit/snapshot.wit declares them.
const SNAPSHOT_PACKAGE = `
package golem:api@1.1.7 {
  interface save-snapshot {
    /// The agent's whole state, in any encoding the component likes.
    save: func() -> list<u8>;
  }
  interface load-snapshot {
    /// Replaces the agent's state with a saved one.
    load: func(bytes: list<u8>) -> result<_, string>;
  }
}
`;

const WORLDS: Record<Kind, (pkg: string, world: string) => string> = {
  service: (pkg, world) => `package ${pkg};

/// A stateless service: a call may land on any instance, so keep nothing between calls.
/// Change this world and src/index.ts together; \`taho build\` checks one against the other.
world ${world} {
  /// A greeting for someone.
  export greet: func(name: string) -> string;
  /// The text in capitals; an empty text is an error (err), which the TypeScript throws.
  export shout: func(text: string) -> result<string, string>;
}
`,
  agent: (pkg, world) => `package ${pkg};

/// A durable agent (\`taho agents invoke ${pkg.replace(':', '/')}/<agent-name> add '"milk"'\`): each agent
/// name has its own instance whose state taho keeps across calls, restarts and crashes, by
/// replaying its oplog from the latest snapshot (the two golem:api exports below).
world ${world} {
  record note {
    text: string,
    /// When it was added (the clock is recorded, so a replay sees the same time).
    at: string,
  }
  /// Adds a note; returns how many there are.
  export add: func(text: string) -> u32;
  /// Every note, oldest first.
  export all: func() -> list<note>;
  /// A note picked at random (random numbers are recorded too), none when there are no notes.
  export pick: func() -> option<note>;
  /// One round of a town agent (\`tt spawn n1 --cli component:${pkg.replace(':', '/')}\`): the task becomes a note.
  export run-task: func(task: string) -> result<string, string>;
  export golem:api/save-snapshot@1.1.7;
  export golem:api/load-snapshot@1.1.7;
}
${SNAPSHOT_PACKAGE}`,
  job: (pkg, world) => `package ${pkg};

/// A batch job (\`taho wasm run <repository>/${pkg.replace(':', '/')}.wasm some args\`): wasi:cli/run is
/// its main; console.log is its stdout, console.error its stderr; a thrown error fails it (exit 1).
world ${world} {
  import wasi:cli/environment@0.2.3;
  export wasi:cli/run@0.2.3;
}

package wasi:cli@0.2.3 {
  interface environment {
    /// The job's arguments, its name first.
    get-arguments: func() -> list<string>;
  }
  interface run {
    run: func() -> result;
  }
}
`,
};

const HEADER = (id: string): string => `// The component ${id}: it implements wit/world.wit. \`taho build\` checks it against the
// types generated from the WIT (generated/, which your editor reads too), bundles it with
// esbuild and turns it into a component with componentize-js.
`;

const SOURCES: Record<Kind, (id: string) => string> = {
  service: (id) => `${HEADER(id)}
export function greet(name: string): string {
  return \`Hello, \${name}!\`;
}

/** A WIT \`result\` is the return value; throwing a string makes it the err. */
export function shout(text: string): string {
  if (text.length === 0) throw 'nothing to shout';
  return text.toUpperCase();
}
`,
  agent: (id) => `${HEADER(id)}
import type { Note } from '${id.replace('/', ':')}/${id.split('/')[1] ?? ''}';
import { jsonSnapshot } from '../generated/taho.js';

// The agent's state: plain data in module variables. Its instance lives as long as taho keeps it;
// after a restart or a crash taho rebuilds it from the latest snapshot and the calls after it.
const state = { notes: [] as Note[] };

// Snapshots save and load \`state\` as JSON (taho takes one every [agents] snapshot_every calls).
export const { saveSnapshot, loadSnapshot } = jsonSnapshot(state);

export function add(text: string): number {
  state.notes.push({ text, at: new Date().toISOString() });
  return state.notes.length;
}

export function all(): Note[] {
  return state.notes;
}

export function pick(): Note | undefined {
  return state.notes[Math.floor(Math.random() * state.notes.length)];
}

export function runTask(task: string): string {
  if (task.trim() === '') throw 'an empty task';
  const count = add(task);
  return \`noted "\${task}" (\${count} note\${count === 1 ? '' : 's'})\`;
}
`,
  job: (id) => `${HEADER(id)}
import { getArguments } from 'wasi:cli/environment@0.2.3';

export const run = {
  run(): void {
    const [, ...args] = getArguments();
    if (args[0] === 'fail') throw new Error('asked to fail');
    console.log(\`hello from ${id}: \${args.join(' ') || '(no arguments)'}\`);
  },
};
`,
};

const TSCONFIG = `${JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    isolatedModules: true,
  },
  include: ['src', 'generated'],
}, null, 2)}\n`;

/**
 * Written into generated/ beside the bindings: what a component gets from taho besides its
 * world (a console, the clock and random numbers are the engine's own).
 */
export const HELPER_SOURCE = `// Written by taho build; do not edit.
/// <reference lib="ES2022" />
declare global {
  // componentize-js routes console.log to stdout and console.error to stderr.
  const console: { log(...data: unknown[]): void; error(...data: unknown[]): void; warn(...data: unknown[]): void; info(...data: unknown[]): void };
  class TextEncoder { encode(input?: string): Uint8Array }
  class TextDecoder { decode(input?: Uint8Array): string }
}

/**
 * Golem's snapshot exports for an agent whose whole state is \`state\` (JSON-serialisable data):
 * \`export const { saveSnapshot, loadSnapshot } = jsonSnapshot(state);\`. Loading replaces the
 * object's properties in place, so code holding \`state\` sees the loaded values.
 */
export function jsonSnapshot<T extends object>(state: T): {
  saveSnapshot: { save(): Uint8Array };
  loadSnapshot: { load(bytes: Uint8Array): void };
} {
  return {
    saveSnapshot: { save: () => new TextEncoder().encode(JSON.stringify(state)) },
    loadSnapshot: {
      load(bytes: Uint8Array): void {
        const loaded = JSON.parse(new TextDecoder().decode(bytes)) as T;
        for (const key of Object.keys(state)) delete (state as Record<string, unknown>)[key];
        Object.assign(state, loaded);
      },
    },
  };
}
`;
