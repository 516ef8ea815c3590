import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { parseTarget } from '../cli/parse-input.js';

export default class Quiesce extends BaseCommand<typeof Quiesce> {
  static override summary = 'Stop a service taking calls; calls in flight finish';
  static override description = 'New calls get 503 with Retry-After until `taho restart` or `taho reload` brings it back.';
  static override examples = ['<%= config.bin %> quiesce example/hello --url http://127.0.0.1:9481'];
  static override args = { service: Args.string({ description: 'the service, as <domain>/<service>', required: true }) };

  async run(): Promise<void> {
    const { domain, service } = parseTarget(this.args.service);
    const r = await (await this.client()).quiesce(domain, service);
    this.output(r, () => `${domain}/${service}: ${r.status}`);
  }
}
