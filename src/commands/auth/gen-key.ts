import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { newApiKey, parseScopes } from '../../client/auth.js';

export default class GenKey extends BaseCommand<typeof GenKey> {
  static override summary = 'Make a new API key and print its argon2id hash and the config to paste';
  static override description = 'The key is shown once; only its hash belongs in config.toml. Scopes: town.read, town.write, agent.manage, admin (admin implies all).';
  static override examples = [
    '<%= config.bin %> auth gen-key --name ci --scopes town.read,town.write',
    '<%= config.bin %> auth gen-key --json',
  ];
  static override flags = {
    name: Flags.string({ description: 'a name for the key, so it can be revoked alone', default: 'default' }),
    scopes: Flags.string({ description: 'comma-separated scopes', default: 'admin' }),
  };

  async run(): Promise<void> {
    const scopes = parseScopes(this.flags.scopes);
    const { key, hash } = await newApiKey(scopes);
    this.output({ key, hash, scopes, name: this.flags.name }, () => [
      'API key (shown once; store it now):',
      `  ${key}`,
      '',
      'argon2id hash:',
      `  ${hash}`,
      '',
      'Add to config.toml:',
      '  [http.auth]',
      '  mode = "api_key"',
      '',
      '  [[http.auth.keys]]',
      `  name = ${JSON.stringify(this.flags.name)}`,
      `  hash = ${JSON.stringify(hash)}`,
      `  scopes = [${scopes.map((s) => JSON.stringify(s)).join(', ')}]`,
      '',
      'Then send it with `Authorization: Bearer <key>`, `X-API-Key: <key>`, or TAHO_API_KEY / --api-key for the CLI.',
    ].join('\n'));
  }
}
