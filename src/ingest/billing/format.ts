import type { BillingRecord } from '../../domain/types.js';
import { isIsoCurrency } from '../../domain/money.js';
import { RowProblem, type RecordView } from '../record-reader.js';
import { isMissing, parseBillingDate, parseMoney, parseTags, type DateOrder, type Decimal } from './values.js';

/** What a billing reader may be told: the date order of slashed dates, a default currency. */
export interface BillingOptions {
  dateOrder: DateOrder;
  /** Used only when a file has no currency column at all. */
  currency?: string;
}

/** A cloud billing export: how to recognise its header and how to read one row. */
export interface BillingFormat {
  format: string;
  /** The column whose date places a record in a month. */
  dateField: string;
  detect(names: readonly string[]): boolean;
  /** Top-level column names the format reads, for the batch summary's ignored columns. */
  reads(names: readonly string[]): readonly string[];
  toRecord(row: RecordView, options: BillingOptions): BillingRecord;
}

export const CHARGE_CATEGORIES = ['usage', 'purchase', 'tax', 'credit', 'adjustment'] as const;

/** Helpers that turn cells into record fields, each rejecting with the field's name. */
export function cells(row: RecordView, options: BillingOptions) {
  const text = (...names: string[]) => {
    const value = row.text(...names);
    return isMissing(value) ? '' : value;
  };
  return {
    text,
    money(names: readonly string[], required: boolean): Decimal | null {
      const raw = text(...names);
      if (raw === '') {
        if (required) throw new RowProblem(names[0] ?? 'cost', 'missing');
        return null;
      }
      const value = parseMoney(raw);
      if (value === null) throw new RowProblem(names[0] ?? 'cost', `expected a decimal amount, got "${raw}"`);
      return value;
    },
    date(names: readonly string[]): number {
      const raw = text(...names);
      if (raw === '') throw new RowProblem(names[0] ?? 'date', 'missing');
      const value = parseBillingDate(raw, options.dateOrder);
      if (value === null) throw new RowProblem(names[0] ?? 'date', `expected a date (ISO 8601 or ${options.dateOrder === 'mdy' ? 'M/D/YYYY' : 'D/M/YYYY'}), got "${raw}"`);
      return value;
    },
    /** A date that may be absent (the billing period): undefined when the cell is empty. */
    optionalDate(names: readonly string[]): number | undefined {
      return text(...names) === '' ? undefined : this.date(names);
    },
    currency(names: readonly string[], present: boolean): string {
      const raw = text(...names);
      if (raw !== '' && isIsoCurrency(raw.toUpperCase())) return raw.toUpperCase();
      // Not ISO 4217 (Azure EA writes "MC"): --currency names what it is, else the row is refused.
      if (raw !== '' && options.currency) return options.currency;
      if (raw !== '') throw new RowProblem(names[0] ?? 'currency', `"${raw}" is not an ISO 4217 currency code: pass --currency to say which currency the file is in`);
      if (!present && options.currency) return options.currency;
      throw new RowProblem(names[0] ?? 'currency', present ? 'missing' : 'the file has no currency column: pass --currency');
    },
    tags(name: string): Record<string, string> {
      const raw = text(name);
      const tags = parseTags(raw);
      if (tags === null) throw new RowProblem(name, `expected tags as JSON, got "${raw.slice(0, 60)}"`);
      return tags;
    },
  };
}

/** Maps a provider's own word for a charge to one of SPEC §3.2's categories. */
export function chargeCategory(table: Readonly<Record<string, (typeof CHARGE_CATEGORIES)[number]>>, raw: string, field: string): string {
  const category = table[raw.toLowerCase()];
  if (!category) throw new RowProblem(field, `unknown charge category "${raw}" (known: ${Object.keys(table).join(', ')})`);
  return category;
}

export const optional = (value: string) => (value === '' ? {} : { value });

/** Who a bill belongs to (issue 29): the fields direct attribution matches, those that are not empty. */
export function ownerFields(fields: { account?: string; subscription?: string; project?: string; resourceGroup?: string }): Pick<BillingRecord, 'account' | 'subscription' | 'project' | 'resourceGroup'> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')) as Pick<BillingRecord, 'account' | 'subscription' | 'project' | 'resourceGroup'>;
}

/** FOCUS's CommitmentDiscountStatus (`Used`, `Unused`; else none) as a record's commitment, with the commitment's id where the export names it. */
export function commitmentOf(status: string, id = ''): Pick<BillingRecord, 'commitment' | 'commitmentId'> {
  const lower = status.toLowerCase();
  return lower === 'used' || lower === 'unused' ? { commitment: lower, ...(id === '' ? {} : { commitmentId: id }) } : {};
}

/** The billing period's fields of a record, when its export names one. */
export function billingPeriod(startMs: number | undefined, endMs: number | undefined): { billingPeriodStartMs?: number; billingPeriodEndMs?: number } {
  return { ...(startMs === undefined ? {} : { billingPeriodStartMs: startMs }), ...(endMs === undefined ? {} : { billingPeriodEndMs: endMs }) };
}

/**
 * The model a bill line charges, where the export names one (issue 29): FOCUS 1.3's
 * `SkuPriceDetails.ModelId` (JSON), the OpenAI costs API's line item (`gpt-4o-2024-08-06,
 * input`: the model before the comma), Anthropic's `model`. Unreadable details name none.
 */
export function modelOf(source: { skuPriceDetails?: string; lineItem?: string; model?: string }): Pick<BillingRecord, 'model'> {
  const model = source.model || (source.lineItem ? source.lineItem.split(',')[0]!.trim() : '') || modelIdOf(source.skuPriceDetails ?? '');
  return model ? { model } : {};
}

function modelIdOf(details: string): string {
  if (!details.includes('ModelId')) return '';
  try {
    const value = (JSON.parse(details) as Record<string, unknown>).ModelId;
    return typeof value === 'string' ? value.trim() : '';
  } catch {
    return '';
  }
}
