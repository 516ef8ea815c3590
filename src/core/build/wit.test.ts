import { describe, expect, it } from 'vitest';
import { readWorld } from './wit.js';

const read = (source: string) => readWorld('/p/demo/x/wit/world.wit', source, 'x', '/p');

describe('readWorld', () => {
  it('reads the package, the world and its imports; type-only interfaces need no host', async () => {
    const w = await read(`package demo:x;
interface types {
  record point { x: s32, y: s32 }
}
world x {
  use types.{point};
  import wasi:clocks/wall-clock@0.2.3;
  export move: func(p: point) -> point;
}
package wasi:clocks@0.2.3 {
  interface wall-clock {
    record datetime { seconds: u64, nanoseconds: u32 }
    now: func() -> datetime;
  }
}
`);
    expect(w).toMatchObject({ pkg: 'demo:x', world: 'x' });
    expect(w.imports).toContain('wasi:clocks/wall-clock@0.2.3');
  });

  it('refuses an interface with functions taho does not provide, and a world-level imported function', async () => {
    const err = await read(`package demo:x;
interface db {
  record row { id: u32 }
  query: func(sql: string) -> list<row>;
}
world x {
  import db;
  import log: func(msg: string);
  export f: func() -> u32;
}
`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TAHO_BUILD_FAILED', message: 'demo/x/wit/world.wit: the world imports demo:x/db, the function log, which taho cannot provide' });
  });

  it('points a WIT error at the line of the name it trips on', async () => {
    const err = await read('package demo:x;\n\nworld x {\n  export f: func() -> strin;\n}\n').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TAHO_BUILD_FAILED', message: expect.stringMatching(/^demo\/x\/wit\/world\.wit:4:23: the WIT does not parse: .*strin/) });
  });

  it('asks which world when there are several and none is named after the project', async () => {
    const err = await read('package demo:x;\nworld a { export f: func(); }\nworld b { export g: func(); }\n').catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringContaining('it declares the worlds a, b; name the one to build x') });
  });
});
