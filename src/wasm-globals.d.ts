// Node has the WebAssembly global, but @types/node does not declare it and lib.dom would bring
// browser globals we must not use. This declares the few parts taho touches.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
    static imports(module: Module): { module: string; name: string; kind: string }[];
    static exports(module: Module): { name: string; kind: string }[];
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  type Imports = Record<string, Record<string, unknown>>;
  class RuntimeError extends Error {}
  class CompileError extends Error {}
  class LinkError extends Error {}
}
type BufferSource = ArrayBufferView | ArrayBuffer;
