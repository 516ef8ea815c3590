import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, transpiled } from '../cli/base-command.js';
// `serve` is the server's composition root, the one command that imports src/server.
import { startServer } from '../server/start.js';

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = 'Run the HTTP server (TAHO services API, health, OpenAPI) on one port';
  static override description = 'Stops on SIGINT/SIGTERM: new requests are refused, requests in flight finish (up to [services] drain_ms), then it exits 0.';
  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 9000', '<%= config.bin %> serve --store redis://127.0.0.1:6379/0', 'TAHO__HTTP__BIND=127.0.0.1 <%= config.bin %> serve'];
  static override flags = {
    bind: Flags.string({ description: 'address to listen on (default: [http] bind, 127.0.0.1)' }),
    port: Flags.integer({ description: 'port to listen on (default: [http] port, 9481; 0 picks a free one)', min: 0, max: 65535 }),
    store: Flags.string({ description: 'where state is kept (default: [store] url, the data directory); a redis:// URL makes this server a cluster node' }),
  };

  protected override configFlags(): Record<string, unknown> {
    return { 'http.bind': this.flags.bind, 'http.port': this.flags.port, 'store.url': this.flags.store };
  }

  async run(): Promise<void> {
    const loaded = await this.loadConfig();
    const server = await startServer({
      loaded, version: this.config.version, log: (l) => this.log(l),
      reread: () => this.rereadConfig(),
      watch: loaded.file ?? resolve('config.toml'),
      onTranspile: (label, ms) => this.logToStderr(transpiled(label, ms)),
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        this.log(`taho: ${signal}, draining`);
        server.close().then(resolve, resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    this.log('taho: stopped');
  }
}
