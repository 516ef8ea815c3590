import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { parseTarget, readText } from '../cli/parse-input.js';

export default class Restart extends BaseCommand<typeof Restart> {
  static override summary = 'Restart a service, optionally with new config';
  static override description = 'A new instance starts (with the new config when given) and takes over once ready; calls in flight finish on the old one. It does not reload the component from its repository: use `taho reload` for that.';
  static override examples = ['<%= config.bin %> restart example/hello', '<%= config.bin %> restart example/hello --config-file hello.toml'];
  static override args = { service: Args.string({ description: 'the service, as <domain>/<service>', required: true }) };
  static override flags = {
    'config-file': Flags.string({ description: 'new service config (handed to the component as TAHO_SERVICE_CONFIG)' }),
  };

  async run(): Promise<void> {
    const { domain, service } = parseTarget(this.args.service);
    const file = this.flags['config-file'];
    const config = file === undefined ? undefined : readText(file, '--config-file');
    const r = await this.client().restart(domain, service, config);
    this.output(r, () => `${domain}/${service}: ${r.status}`);
  }
}
