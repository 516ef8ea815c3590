import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { formatValue } from '../cli/output.js';
import { parseArgument, parseTarget, readInput } from '../cli/parse-input.js';

export default class Invoke extends BaseCommand<typeof Invoke> {
  static override summary = 'Invoke a method of a service';
  static override description = 'Each argument is parsed as JSON, or else taken as a string. Use --input for a JSON body: an array is positional, an object is by parameter name.';
  static override examples = [
    '<%= config.bin %> invoke example/hello greet World',
    '<%= config.bin %> invoke example/calculator add 2 3',
    `<%= config.bin %> invoke example/calculator translate '{"x":1,"y":2}' 3 4`,
    `echo '{"a": 7, "b": 2}' | <%= config.bin %> invoke example/calculator div --input -`,
  ];
  static override strict = false;
  static override args = {
    service: Args.string({ description: 'the service, as <domain>/<service>', required: true }),
    method: Args.string({ description: 'the method (WIT name, case-sensitive)', required: true }),
  };
  static override flags = {
    input: Flags.string({ char: 'i', description: 'read the JSON input from a file, or - for stdin' }),
  };

  async run(): Promise<void> {
    const { domain, service } = parseTarget(this.args.service);
    const input = this.flags.input !== undefined ? readInput(this.flags.input) : this.positional.slice(2).map(parseArgument);
    const client = await this.client();
    const response = await this.progress(`${domain}/${service} ${this.args.method}`, client.invoke({ domain, service, method: this.args.method, input }));
    this.output(response, () => formatValue(response.result));
  }
}
