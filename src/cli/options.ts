import { Option, type Command } from 'commander';
import { formatsOf, type View } from '../report/view.js';

/**
 * The options many commands share, each with one spelling, one short flag and one help text:
 * `-m` month, `-r` rate card, `-f` format, `-o` output (the habits of git, kubectl and gh).
 */
export const monthOption = (description = 'the month', required = true): Option => {
  const option = new Option('-m, --month <YYYY-MM>', description);
  return required ? option.makeOptionMandatory() : option;
};

export const rateCardOption = (description = 'the rate card YAML', required = true): Option => {
  const option = new Option('-r, --rate-card <file>', description);
  return required ? option.makeOptionMandatory() : option;
};

export const outputOption = (): Option => new Option('-o, --output <file>', 'write to a file instead of standard output');

/** `-f, --format` with exactly the formats the view renders; anything else is a usage error (exit 2). */
export const formatOption = (view: View<never>, fallback = 'table'): Option =>
  new Option('-f, --format <format>', 'output format').choices(formatsOf(view)).default(fallback);

/** Ends a command's help with real examples, so `--help` teaches by showing. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}
