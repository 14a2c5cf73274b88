import { createHash } from 'node:crypto';
import { Option, type Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { journalOf, lastDayOf } from '../../domain/journal.js';
import { entriesOf, planExport, type ExportPlan } from '../../domain/postings.js';
import { findRun, type StoredRun } from '../../ledger/runs.js';
import type { Ledger } from '../../ledger/open.js';
import type { Month } from '../../domain/month.js';
import { monthPostings, recordExport, runLinesReader } from '../../ledger/exports.js';
import { JOURNAL_VIEW } from '../../report/journal.js';
import { render } from '../../report/view.js';
import { lookOf, requireMonth, requireRun, speaker, useLedger, writeOutput, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, outputOption, withExamples } from '../options.js';
import { completingWith } from '../completion.js';
import type { ErpMapping } from '../../domain/erp.js';
import { PROFILE_NAMES } from '../../domain/erp-profiles.js';
import { nearest } from '../../domain/fields.js';
import { parseRateCardText, readRateCard, storedCardFiles } from '../../ratecard/load.js';
import { profileProblems } from '../../ratecard/erp.js';
import { erpFiles, type ErpFile } from '../../report/erp.js';

interface ExportFlags {
  month: string;
  run?: string;
  adjustments?: boolean;
  period?: string;
  force?: boolean;
  again?: boolean;
  dryRun?: boolean;
  format: string;
  output?: string;
  profile?: string;
  rateCard?: string;
}

/**
 * `chargeback export erp --month M`: the month's books as a balanced ERP journal, posted once
 * (issue 28). Every journal written as CSV or JSON is recorded; the month's recorded journals
 * add up to one run's figures, and `--adjustments` posts the latest run's differences from
 * there. A run that is not the books, or a document written before, is refused without
 * `--force` or `--again`.
 */
export function registerExport(program: Command, io: Io): void {
  const exporter = program.command('export').description('export a statement run for other systems');
  withExamples(exporter, ['chargeback export erp -m 2026-10 -o journal-2026-10.csv', 'chargeback export erp -m 2026-10 --adjustments -o adjustments.csv']);
  const command = exporter
    .command('erp')
    .description("a balanced journal of the month's books, posted once: a debit per charged cost centre and pool, a credit per pool to the platform")
    .addOption(monthOption())
    .option('--run <id>', 'a specific run instead of the books (the closed run, else the latest)')
    .option('--adjustments', "the differences of the month's latest run from what its exported journals add up to")
    .option('--period <YYYY-MM>', 'post in this period (default: the month; for adjustments, the month the run was computed in)')
    .option('--force', 'write a run that is not the books (a superseded run)')
    .option('--again', 'write a document that was exported before')
    .option('--dry-run', 'write the journal without recording it (a document exported before is written again)')
    .addOption(completingWith(new Option('--profile <name>', "the ERP's import layout (default: the card's erp.profile, else generic)"), PROFILE_NAMES))
    .option('--rate-card <file>', "take the erp: block from this card instead of the run's own")
    .addOption(formatOption(JOURNAL_VIEW, 'csv'))
    .addOption(outputOption())
    .action((flags: ExportFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const period = flags.period === undefined ? undefined : requireMonth(flags.period, '--period').label;
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      // A journal that is recorded is planned, written and recorded under the write lock: two
      // exports at once cannot both post the same document.
      const records = flags.format !== 'table' && !flags.dryRun;
      try {
        ledger.transaction(() => exportJournal(ledger, flags, month, period, command, io), records ? 'write' : 'read');
      } finally {
        ledger.close();
      }
    });
  withExamples(command, [
    'chargeback export erp -m 2026-10 -o journal-2026-10.csv',
    'chargeback export erp -m 2026-10 --adjustments --period 2026-11 -o adjustments.csv',
    'chargeback export erp -m 2026-10 --profile oracle-fbdi -o GlInterface.zip',
  ]);
}

/** Plans the month's journal, writes it, and records it when it posts (issue 28). */
function exportJournal(ledger: Ledger, flags: ExportFlags, month: Month, period: string | undefined, command: Command, io: Io): void {
  const runId = flags.run === undefined ? undefined : requireRun(ledger, month, flags.run).id;
  const postings = monthPostings(ledger, month.label);
  if (postings.runIds.length === 0) requireRun(ledger, month);
  const plan = planExport(postings, { ...(runId === undefined ? {} : { runId }), adjustments: flags.adjustments ?? false, force: flags.force ?? false, again: (flags.again ?? false) || (flags.dryRun ?? false) });
  const run = findRun(ledger, month.label, plan.runId)!;
  if (!run.platform) throw new UsageError(`run ${run.id}'s rate card has no "platform: { cost_centre, gl_account }": the journal credits it`);
  const journal = journalOf({ document: documentName(plan), month: run.month, postingDate: lastDayOf(period ?? defaultPeriod(plan, run)) }, entriesOf(plan, runLinesReader(ledger, month.label)), run.platform);
  const { warn } = speaker(command, io);
  if (plan.kind === 'nothing') warn(`warning: nothing to post: ${plan.why}`);
  else if (journal.length === 0) warn(`warning: run ${run.id} changes nothing in the books: the journal has no lines`);
  if (plan.kind === 'forced') warn(`warning: run ${run.id} is not the books of ${month.label}: its journal is recorded as forced, outside the month's postings`);
  const mapping = erpMappingOf(run, flags.rateCard);
  const profile = requireProfile(flags, mapping, run.id);
  const written = profile === 'generic'
    ? writeGeneric(io, flags, render(JOURNAL_VIEW, flags.format, { lines: journal, currency: run.currency }, lookOf(command, io, flags.output !== undefined)))
    : writeErpFiles(io, flags.output, profile, erpFiles(profile, journal, { document: documentName(plan), month: run.month, currency: run.currency, mapping, platformCentre: run.platform.costCentre }));
  // A table is read, not imported; an empty journal posts nothing.
  if (plan.kind === 'nothing' || journal.length === 0 || flags.format === 'table' || flags.dryRun) return;
  recordExport(ledger, {
    month: month.label, runId: plan.runId, baseRunId: plan.baseRunId, document: plan.document, kind: plan.kind,
    period: period ?? defaultPeriod(plan, run), file: written.files.join(' '), sha256: written.sha256,
    lines: journal.length, exportedAt: io.now().toISOString(),
  });
}

/** What a journal was written to, and the SHA-256 of all its bytes in order. */
interface Written {
  files: string[];
  sha256: string;
}

function writeGeneric(io: Io, flags: ExportFlags, text: string): Written {
  writeOutput(io, flags.output, text);
  return { files: [flags.output ?? 'stdout'], sha256: createHash('sha256').update(text).digest('hex') };
}

/**
 * A profile's files: one to standard output or -o FILE; several (parts a limit splits into
 * files) or a zip only to -o, the parts as FILE-1.csv, FILE-2.csv… in order.
 */
function writeErpFiles(io: Io, output: string | undefined, profile: string, files: readonly ErpFile[]): Written {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.bytes);
  const sha256 = hash.digest('hex');
  if (output === undefined && (files.length > 1 || files[0]?.inside)) {
    throw new UsageError(`--profile ${profile} writes ${files.length > 1 ? `${files.length} files` : 'a zip'}: give -o FILE`);
  }
  const names = output === undefined ? ['stdout'] : files.length === 1 ? [output] : files.map((file) => output.replace(/(\.[^./]*)?$/, (extension) => `-${file.part}${extension}`));
  files.forEach((file, i) => writeOutput(io, output === undefined ? undefined : names[i], file.bytes));
  return { files: names, sha256 };
}

/** The erp: block the journal is written with: the given card's, else the run's own card's (none for a run stored without its card). */
function erpMappingOf(run: StoredRun, rateCard: string | undefined): ErpMapping {
  if (rateCard !== undefined) return readRateCard(rateCard).card.erp ?? {};
  if (run.rateCardText === null) return {};
  return parseRateCardText(run.rateCardText, run.rateCardFile, storedCardFiles(run.rateCardFiles)).erp ?? {};
}

/**
 * The profile to write: --profile, else the card's erp.profile, else generic; known, and
 * writable from the mapping. A profile is the ERP's own CSV file: -f json and table show the
 * generic layout (a card's profile leaves them so; --profile with them is refused).
 */
function requireProfile(flags: ExportFlags, mapping: ErpMapping, runId: number): string {
  const name = flags.profile ?? mapping.profile ?? 'generic';
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) {
    const near = nearest(name, PROFILE_NAMES);
    throw new UsageError(`unknown ERP profile "${name}"${near ? ` (did you mean "${near}"?)` : ''}: expected one of ${PROFILE_NAMES.join(', ')}`);
  }
  if (name === 'generic') return name;
  if (flags.format !== 'csv') {
    if (flags.profile === undefined) return 'generic';
    throw new UsageError(`--profile ${name} writes the ERP's own import file: drop -f ${flags.format} (-f json and table show the generic layout)`);
  }
  const problems = profileProblems(name, mapping);
  if (problems.length > 0) throw new UsageError(`run ${runId}'s rate card cannot write --profile ${name}: ${problems.join('; ')} (add them to its erp: block, or give --rate-card)`);
  return name;
}

const documentName = (plan: ExportPlan) => (plan.kind === 'nothing' ? `chargeback-run-${plan.runId}` : plan.document);

/** A whole run posts in its month; differences in the month the run was computed in. */
const defaultPeriod = (plan: ExportPlan, run: StoredRun) => (plan.kind === 'adjustment' ? run.createdAt.slice(0, 7) : run.month);
