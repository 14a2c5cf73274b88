import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { monthInEffect } from '../../domain/month.js';
import { readRateCard } from '../../ratecard/load.js';
import { requireMonth, type Io } from '../context.js';

/** `chargeback ratecard validate FILE [--month M]`: every problem with its line, or a summary. */
export function registerRateCard(program: Command, io: Io): void {
  const ratecard = program.command('ratecard').description('work with rate cards');
  ratecard
    .command('validate')
    .description('check a rate card; every error names the YAML path and line')
    .argument('<file>', 'the rate card YAML')
    .option('--month <YYYY-MM>', 'also check that the card may price this month')
    .action((file: string, flags: { month?: string }) => {
      const { card } = readRateCard(file);
      if (flags.month !== undefined) {
        const month = requireMonth(flags.month);
        if (!monthInEffect(month, card.effectiveFrom, card.effectiveTo)) throw outOfRange(file, month.label, card);
      }
      io.stdout(`${file}: valid (${card.costCentres.length} cost centres, ${card.pools.length} pools, ${card.currency})\n`);
    });
}

/** The error for a month the card may not price (SPEC §4: compute refuses other months). */
export function outOfRange(file: string, month: string, card: { effectiveFrom?: { label: string }; effectiveTo?: { label: string } }): UsageError {
  const range = `${card.effectiveFrom?.label ?? 'any'} to ${card.effectiveTo?.label ?? 'any'}`;
  return new UsageError(`${file}: month ${month} is outside the card's effective range (${range})`);
}
