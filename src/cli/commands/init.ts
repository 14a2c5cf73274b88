import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { EXAMPLE_RATE_CARD } from '../../ratecard/example.js';
import { openLedger } from '../../ledger/open.js';
import { ledgerPath, speaker, writeOutput, type GlobalOptions, type Io } from '../context.js';
import { withExamples } from '../options.js';

/** `chargeback init [--example [FILE]]`: create the ledger (idempotent), optionally an example card. */
export function registerInit(program: Command, io: Io): void {
  const command = program
    .command('init')
    .description('create the ledger (idempotent); with --example, also write a commented example rate card')
    .option('--example [file]', 'write an example rate card (default ratecard.yaml)')
    .action((options: { example?: string | boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { info } = speaker(command, io);
      const ledger = openLedger(ledgerPath(globals, io), { create: true });
      ledger.close();
      // Its name, not what was given: a PostgreSQL URL's password is never printed.
      info(`ledger ready: ${ledger.name}`);
      if (options.example === undefined) return;
      const file = typeof options.example === 'string' ? options.example : 'ratecard.yaml';
      if (existsSync(file)) throw new UsageError(`${file} already exists: not overwriting it (choose another file with --example FILE)`);
      writeOutput(io, file, EXAMPLE_RATE_CARD);
      info(`example rate card written: ${file}`);
    });
  withExamples(command, [
    'chargeback init --example',
    'chargeback --ledger /var/lib/chargeback/ledger.db init',
  ]);
}
