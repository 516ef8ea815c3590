import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';

export default class Spawn extends BaseCommand<typeof Spawn> {
  static override summary = 'Spawn a town agent: a worker that runs one round of an AI CLI per task';
  static override description = 'The agent starts Idle. Each task it gets (`tt assign`, `tt send`, the backlog) runs as one round of its CLI preset (claude, codex, aider, gemini, or a `[town.presets.NAME]` of config.toml) while a `taho serve` runs.';
  static override aliases = ['town:spawn'];
  static override examples = [
    '<%= config.bin %> spawn worker1',
    '<%= config.bin %> spawn reviewer --cli codex --role review --max-rounds 10',
  ];
  static override args = { name: Args.string({ description: 'the agent\'s name (letters, digits, . _ -)', required: true }) };
  static override flags = {
    cli: Flags.string({ description: 'the CLI preset its rounds run (default: town.default_cli, claude)' }),
    role: Flags.string({ description: 'a role id; backlog tasks tagged with it prefer this agent' }),
    nickname: Flags.string({ description: 'a display name' }),
    'max-rounds': Flags.integer({ description: 'stop after this many rounds (default: no limit)', min: 1 }),
  };

  async run(): Promise<void> {
    const client = await this.client();
    const r = await client.spawnAgent({
      name: this.args.name,
      cli: this.flags.cli,
      role_id: this.flags.role,
      nickname: this.flags.nickname,
      max_rounds: this.flags['max-rounds'],
    });
    this.output(r, () => `agent ${r.name}: spawned (cli ${r.cli}, id ${r.agent_id})`);
    this.nextStep(`\`${this.config.bin} assign ${r.name} "<task>"\` gives it a task; \`${this.config.bin} status\` shows the town${client.inProcess ? ' (rounds run while `taho serve` runs)' : ''}.`);
  }
}
