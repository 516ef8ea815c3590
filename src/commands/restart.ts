import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { parseTarget, readText } from '../cli/parse-input.js';
import { isTahoError, TahoError } from '../cli/errors.js';

export default class Restart extends BaseCommand<typeof Restart> {
  static override summary = 'Restart a service (optionally with new config), or a town agent';
  static override description = [
    '`<domain>/<service>`: a new instance starts (with the new config when given) and takes over once ready; calls in flight finish on the old one. It does not reload the component from its repository: use `taho reload` for that.',
    'A name without "/": the town agent of that name (or id) goes back to Idle; a round in progress is ended and its task put first in the agent\'s inbox, so it runs again.',
  ].join('\n\n');
  static override aliases = ['town:restart'];
  static override examples = [
    '<%= config.bin %> restart example/hello',
    '<%= config.bin %> restart example/hello --config-file hello.toml',
    '<%= config.bin %> restart worker1',
  ];
  static override args = { target: Args.string({ description: 'a service, as <domain>/<service>, or a town agent\'s name or id', required: true }) };
  static override flags = {
    'config-file': Flags.string({ description: 'new service config (handed to the component as TAHO_SERVICE_CONFIG; services only)' }),
  };

  async run(): Promise<void> {
    const target = this.args.target;
    if (!target.includes('/')) {
      const restarted = await this.#agent(target);
      if (restarted) return;
    }
    const { domain, service } = parseTarget(target);
    const file = this.flags['config-file'];
    const config = file === undefined ? undefined : readText(file, '--config-file');
    const r = await (await this.client()).restart(domain, service, config);
    this.output(r, () => `${domain}/${service}: ${r.status}`);
  }

  /** False when the name is not an agent's and reads as `domain.service` (the dotted service spelling). */
  async #agent(name: string): Promise<boolean> {
    const dotted = /^[^/.\s]+\.[^/\s]+$/.test(name);
    if (this.flags['config-file'] !== undefined) {
      if (dotted) return false;
      throw new TahoError('TAHO_BAD_ARGUMENTS', '--config-file applies to services, not town agents', { hint: 'Name the service as <domain>/<service>, or leave --config-file out to restart the agent.' });
    }
    try {
      await (await this.client()).restartAgent(name);
    } catch (err) {
      if (isTahoError(err, 'TAHO_AGENT_NOT_FOUND') && dotted) return false;
      throw err;
    }
    this.output({ status: 'restarted', agent: name }, () => `agent ${name}: restarted`);
    return true;
  }
}
