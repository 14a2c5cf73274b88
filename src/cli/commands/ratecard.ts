import type { Command } from 'commander';
import { readRateCard } from '../../ratecard/load.js';
import type { Io } from '../context.js';

/** `chargeback ratecard validate FILE`: every problem with its line, or a one-line summary. */
export function registerRateCard(program: Command, io: Io): void {
  const ratecard = program.command('ratecard').description('work with rate cards');
  ratecard
    .command('validate')
    .description('check a rate card; every error names the YAML path and line')
    .argument('<file>', 'the rate card YAML')
    .action((file: string) => {
      const { card } = readRateCard(file);
      io.stdout(`${file}: valid (${card.costCentres.length} cost centres, ${card.pools.length} pools, ${card.currency})\n`);
    });
}
