import type { ComponentEntry } from './registry.js';

/**
 * Golem's `metadata.binaryWit`, which its `Component` schema requires. Golem stores the WIT
 * package encoded as a wasm binary (wit-component's encoder, which jco's transpiler package does
 * not expose); taho sends the component's WIT text, base64-encoded like Golem's bytes, so strict
 * decoders accept the component and a reader gets the same interface. Worked out once per
 * component version: wasm-tools is loaded only when a client first asks.
 */
export class WitCache {
  readonly #byVersion = new Map<string, Promise<string>>();

  binaryWit(entry: ComponentEntry): Promise<string> {
    let wit = this.#byVersion.get(entry.version);
    if (!wit) {
      wit = witText(entry.bytes).then((text) => Buffer.from(text).toString('base64'));
      // A component that wasm-tools cannot print still lists; it is not cached, so a fix is seen.
      wit.catch(() => this.#byVersion.delete(entry.version));
      this.#byVersion.set(entry.version, wit);
    }
    return wit.catch(() => '');
  }
}

async function witText(bytes: Uint8Array): Promise<string> {
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  return componentWit(bytes);
}
