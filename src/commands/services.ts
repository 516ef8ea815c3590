import { BaseCommand } from '../cli/base-command.js';

export default class Services extends BaseCommand<typeof Services> {
  static override summary = 'List services with their methods and signatures';
  static override examples = ['<%= config.bin %> services', '<%= config.bin %> services --json'];

  async run(): Promise<void> {
    const services = await (await this.client()).services();
    this.output(services, () => {
      if (services.length === 0) return 'No services. Add <repo>/<domain>/<service>.wasm to a repository and run `taho reload`.';
      return services
        .map((s) => [`${s.domain}/${s.service}  (${s.version.slice(0, 12)})`, ...s.methods.map((m) => `  ${m.signature}`)].join('\n'))
        .join('\n\n');
    });
  }
}
