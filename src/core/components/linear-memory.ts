/**
 * The linear memories of one component instance, found as jco instantiates its core modules
 * (jco's `instantiate` takes the core instantiation as its third argument). Their size is what an
 * instance holds: it only grows, and it is the same measure in a worker thread and inline.
 */
export class LinearMemory {
  readonly #memories = new Set<WebAssembly.Memory>();

  /** jco's `instantiateCore`: instantiates as jco would, and notes the memories the instance exports. */
  readonly instantiateCore = (module: WebAssembly.Module, imports?: WebAssembly.Imports): WebAssembly.Instance => {
    const instance = new WebAssembly.Instance(module, imports);
    for (const value of Object.values(instance.exports)) {
      if (value instanceof WebAssembly.Memory) this.#memories.add(value);
    }
    return instance;
  };

  /** Bytes of linear memory the instance holds now. */
  get bytes(): number {
    let total = 0;
    for (const m of this.#memories) total += m.buffer.byteLength;
    return total;
  }
}
