import { Option, type Command } from 'commander';
import { ProblemFound, UsageError } from '../../domain/errors.js';
import { isKnownTimeZone } from '../../domain/month.js';
import { READERS, SOURCES } from '../../ingest/index.js';
import { isIsoCurrency } from '../../domain/money.js';
import { parseTimestamp } from '../../ingest/values.js';
import { ingestFile } from '../../ingest/pipeline.js';
import { sourceName } from '../../ingest/gateway/litellm-db.js';
import { pullLiteLLM } from '../pull-litellm.js';
import { completingWith } from '../completion.js';
import { INGEST_VIEW, type IngestResult } from '../../report/ingest.js';
import { PLAIN } from '../../report/table.js';
import { formatsOf, render } from '../../report/view.js';
import { speaker, useLedger, type GlobalOptions, type Io } from '../context.js';
import { withExamples } from '../options.js';

interface IngestFlags {
  source: string;
  format?: string;
  tz?: string;
  dateOrder?: 'mdy' | 'dmy';
  currency?: string;
  host?: string;
  at?: string;
  columns?: string;
  allowClosed?: boolean;
  complete?: boolean;
  strict?: boolean;
  rejects?: string;
  reportFormat: string;
  set: string[];
  from?: string;
}

/** `chargeback ingest FILE... --source S [--format F]`: each file is one idempotent batch. */
export function registerIngest(program: Command, io: Io): void {
  const command = program
    .command('ingest')
    .description('stream export files (or - for stdin) into the ledger, one batch per file')
    .argument('[files...]', 'files to ingest; - reads standard input')
    .addOption(completingWith(new Option('--source <source>', `what the files hold: ${SOURCES.join(', ')}`).makeOptionMandatory(), SOURCES))
    .addOption(completingWith(new Option('--format <format>', `the file format: ${[...new Set(READERS.map((r) => r.format))].join(', ')} (default: detected)`), [...new Set(READERS.map((r) => r.format))]))
    .option('--tz <zone>', 'IANA zone of timestamps written without one (default UTC; the native csv format refuses them)')
    .addOption(new Option('--date-order <order>', 'billing: how to read slashed dates such as 9/2/2023').choices(['mdy', 'dmy']))
    .option('--currency <code>', 'billing: the currency of a file that has no currency column')
    .option('--host <name>', 'gpu: the host of samples that do not name one (nvidia-smi output)')
    .option('--at <time>', 'gpu: the time of a scrape that carries no timestamps (ISO 8601)')
    .option('--columns <list>', 'gpu: the --query-gpu list of nvidia-smi output written with noheader')
    .option('--set <name=value>', 'gateway: the identity of records that carry none: user=, team=, project= or tag.NAME= (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--from <url>', "gateway: pull LiteLLM's spend log from its PostgreSQL (postgresql://…), on from the last pull")
    .option('--allow-closed', 'accept rows dated in a closed month (a recompute then states adjustments)')
    .option('--complete', 'the file is whole: read its last line even without a line end (else it is left for the next read)')
    .option('--strict', 'reject the whole batch if any row is rejected')
    .option('--rejects <path>', 'where to write rejected rows (default FILE.rejects.csv)')
    .addOption(new Option('--report-format <format>', 'how to report each batch: table (a line per file, as each ends) or json (one array at the end); --format names the input format').choices(formatsOf(INGEST_VIEW)).default('table'))
    .action(async (files: string[], flags: IngestFlags, command: Command) => {
      if (flags.from !== undefined && files.length > 0) throw new UsageError('--from reads a database: give no files with it');
      if (flags.from === undefined && files.length === 0) throw new UsageError('missing files to ingest (or --from postgresql://… to pull LiteLLM\'s spend log)');
      if (flags.from !== undefined && flags.source !== 'gateway') throw new UsageError(`--from pulls gateway usage: it does not apply to --source ${flags.source}`);
      if (flags.rejects && files.length > 1) throw new UsageError('--rejects names one file: use it with one input file');
      if (flags.currency !== undefined && !isIsoCurrency(flags.currency.toUpperCase())) {
        throw new UsageError(`--currency: expected an ISO 4217 code such as "USD", got "${flags.currency}"`);
      }
      if (flags.tz !== undefined && !isKnownTimeZone(flags.tz)) throw new UsageError(`--tz: expected an IANA time zone such as "Europe/Berlin", got "${flags.tz}"`);
      const at = flags.at === undefined ? undefined : parseTimestamp(flags.at, flags.tz ?? 'UTC');
      if (at === null) throw new UsageError(`--at: expected a time such as 2026-10-01T10:00:00Z, got "${flags.at}"`);
      const defaults = identityDefaults(flags.set, flags.source);
      const { info } = speaker(command, io);
      const progress = io.stderrIsTTY && !command.optsWithGlobals<GlobalOptions>().quiet;
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const options = (file: string, started = Date.now()) => ({
        source: flags.source,
        ...(flags.format ? { format: flags.format } : {}),
        ...(flags.tz ? { tz: flags.tz } : {}),
        ...(flags.dateOrder ? { dateOrder: flags.dateOrder } : {}),
        ...(flags.currency ? { currency: flags.currency.toUpperCase() } : {}),
        ...(flags.host ? { host: flags.host } : {}),
        ...(at !== undefined ? { at } : {}),
        ...(flags.columns ? { columns: flags.columns.split(',').map((c) => c.trim()) } : {}),
        ...(defaults ? { defaults } : {}),
        reread: flags.allowClosed ?? false,
        ...(flags.complete ? { complete: true } : {}),
        strict: flags.strict ?? false,
        ...(flags.rejects ? { rejectsPath: flags.rejects } : {}),
        ...(io.temporaries ? { temporaries: io.temporaries } : {}),
        now: io.now,
        ...(progress ? { onProgress: throttled((rows: number) => io.stderr(progressLine(file, rows, started))) } : {}),
      });
      const results: IngestResult[] = [];
      const json = flags.reportFormat === 'json';
      let failed = false;
      try {
        const outcomes = flags.from !== undefined
          ? [() => pullLiteLLM(ledger, flags.from!, options(sourceName(flags.from!)))]
          : files.map((file) => () => ingestFile(ledger, file, { ...options(file), stdin: io.stdin }));
        for (const next of outcomes) {
          const outcome = await next();
          if (progress) io.stderr('\r\x1b[K');
          results.push({ outcome, host: flags.host ?? null });
          if (!json) info(render(INGEST_VIEW, 'table', results.slice(-1), PLAIN));
        }
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        ledger.close();
        // JSON is one document: what was stored before a failure is reported all the same; a
        // failure before anything was stored is the error document (cli/main.ts).
        if (json && (results.length > 0 || !failed)) io.stdout(render(INGEST_VIEW, 'json', results, PLAIN));
      }
      const rejected = results.reduce((n, { outcome: o }) => n + (o.kind === 'stored' ? o.rejected : 0), 0);
      if (rejected > 0) throw new ProblemFound(`${rejected} row${rejected === 1 ? '' : 's'} rejected: see the rejects file${command.optsWithGlobals<GlobalOptions>().quiet ? ' (FILE.rejects.csv unless --rejects)' : ' named above'}`);
    });
  withExamples(command, [
    'chargeback ingest litellm-spend-2026-10.csv --source gateway',
    'chargeback -q ingest focus-2026-10.parquet --source billing --report-format json',
    'chargeback ingest dcgm-scrape.txt --source gpu --host gpu-node-1',
  ]);
}

/** `--set name=value` flags as the identity defaults of a gateway file; a usage error otherwise. */
function identityDefaults(set: readonly string[], source: string): Record<string, string> | undefined {
  if (set.length === 0) return undefined;
  if (source !== 'gateway') throw new UsageError(`--set gives gateway records an identity: it does not apply to --source ${source}`);
  const defaults: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const item of set) {
    const at = item.indexOf('=');
    const [name, value] = at < 0 ? [item, ''] : [item.slice(0, at).trim(), item.slice(at + 1).trim()];
    if (!['user', 'team', 'project'].includes(name) && !/^tag\..+/.test(name)) {
      throw new UsageError(`--set ${item}: expected user=, team=, project= or tag.NAME= followed by a value`);
    }
    if (value === '') throw new UsageError(`--set ${item}: the value is empty`);
    if (name in defaults) throw new UsageError(`--set ${name} is given twice`);
    defaults[name] = value;
  }
  return defaults;
}

/** Redraws at most four times a second, whatever the row rate. */
function throttled(draw: (rows: number) => void): (rows: number) => void {
  let last = 0;
  return (rows) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    draw(rows);
  };
}

function progressLine(file: string, rows: number, started: number): string {
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  return `\r${file}: ${rows.toLocaleString('en-US')} rows, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
}
