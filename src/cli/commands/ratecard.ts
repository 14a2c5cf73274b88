import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { monthInEffect } from '../../domain/month.js';
import { readRateCard } from '../../ratecard/load.js';
import { RATECARD_VIEW } from '../../report/ratecard.js';
import { render } from '../../report/view.js';
import { lookOf, requireMonth, type Io } from '../context.js';
import { formatOption, monthOption, withExamples } from '../options.js';

/** `chargeback ratecard validate FILE [--month M]`: every problem with its line, or a summary. */
export function registerRateCard(program: Command, io: Io): void {
  const ratecard = program.command('ratecard').description('work with rate cards');
  withExamples(ratecard, ['chargeback ratecard validate ratecard.yaml', 'chargeback ratecard validate ratecard.yaml -m 2026-10']);
  const command = ratecard
    .command('validate')
    .description('check a rate card; every error names the YAML path and line')
    .argument('<file>', 'the rate card YAML')
    .addOption(monthOption('also check that the card may price this month', false))
    .addOption(formatOption(RATECARD_VIEW))
    .action((file: string, flags: { month?: string; format: string }, command: Command) => {
      const { card, sha256, rawKeys } = readRateCard(file);
      // Said plainly: every run keeps the card's text, and a key belongs in it only as its fingerprint.
      for (const { path, last4, fingerprint } of rawKeys) {
        io.stderr(`warning: ${file}: ${path} holds a raw API key (…${last4}): runs keep the card's text with ${fingerprint} in its place; write that fingerprint in the card\n`);
      }
      const month = flags.month === undefined ? null : requireMonth(flags.month);
      if (month && !monthInEffect(month, card.effectiveFrom, card.effectiveTo)) throw outOfRange(file, month.label, card);
      io.stdout(render(RATECARD_VIEW, flags.format, { file, sha256, card, month: month?.label ?? null }, lookOf(command, io)));
    });
  withExamples(command, [
    'chargeback ratecard validate ratecard.yaml',
    'chargeback ratecard validate ratecard.yaml -m 2026-10 -f json',
  ]);
}

/** The error for a month the card may not price (SPEC §4: compute refuses other months). */
export function outOfRange(file: string, month: string, card: { effectiveFrom?: { label: string }; effectiveTo?: { label: string } }): UsageError {
  const range = `${card.effectiveFrom?.label ?? 'any'} to ${card.effectiveTo?.label ?? 'any'}`;
  return new UsageError(`${file}: month ${month} is outside the card's effective range (${range})`);
}
