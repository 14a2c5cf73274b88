import { RateCardError } from '../errors.js';
import { Decimal } from '../money.js';
import type { PriceRow } from './price-list.js';

/**
 * LiteLLM's model price map (`model_prices_and_context_window.json`, issue 29) as price rows:
 * one row per model that has a token price, keyed by its exact name, in force all month.
 * Prices are per token there, per 1M tokens here. What a row cannot express is left out and
 * said in the manual: prices by prompt size (`…_above_200k_tokens`), a tier's own prices
 * (`…_batches`, `…_flex`, `…_priority`: the pool's tier_multipliers price tiers), images,
 * audio and seconds. A web search is priced at LiteLLM's medium search context.
 *
 * JSON numbers are read as the shortest decimal that reads back as the same double: what
 * LiteLLM's Python and any JSON writer print, so `2.5e-06` is exactly 0.0000025.
 */
const PER_MILLION = {
  input: 'input_cost_per_token',
  cache_read: 'cache_read_input_token_cost',
  cache_write: 'cache_creation_input_token_cost',
  cache_write_1h: 'cache_creation_input_token_cost_above_1hr',
  output: 'output_cost_per_token',
  reasoning: 'output_cost_per_reasoning_token',
} as const;
const WEB_SEARCH = ['search_context_cost_per_query', 'search_context_size_medium'] as const;
/** The layout's own example entry, which prices nothing. */
const EXAMPLE_ENTRY = 'sample_spec';
const MILLION = new Decimal(1_000_000);

/** The rows of a price map; `file` names it in every problem, with the line of the model's entry. */
export function litellmPriceRows(text: string, file: string): PriceRow[] {
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch (error) {
    throw new RateCardError(file, [`${file}: not a LiteLLM price map: unreadable JSON (${(error as Error).message})`]);
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new RateCardError(file, [`${file}: not a LiteLLM price map: expected one JSON object of models`]);
  }
  const lineOf = entryLines(text);
  const problems: string[] = [];
  const rows: PriceRow[] = [];
  for (const [model, entry] of Object.entries(map as Record<string, unknown>)) {
    if (model === EXAMPLE_ENTRY || typeof entry !== 'object' || entry === null) continue;
    const fields = entry as Record<string, unknown>;
    const at = `${file}:${lineOf(model)}`;
    const price = (value: unknown, field: string): Decimal | undefined => {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        problems.push(`${at}: "${model}".${field}: expected a price per token ≥ 0, got ${JSON.stringify(value)}`);
        return undefined;
      }
      return new Decimal(String(value));
    };
    if (fields[PER_MILLION.input] === undefined && fields[PER_MILLION.output] === undefined) continue;
    const perMillion: PriceRow['perMillion'] = {};
    for (const [cls, field] of Object.entries(PER_MILLION) as [keyof typeof PER_MILLION, string][]) {
      const perToken = price(fields[field], field);
      if (perToken !== undefined) perMillion[cls] = perToken.times(MILLION);
    }
    const search = fields[WEB_SEARCH[0]];
    const perSearch = typeof search === 'object' && search !== null ? price((search as Record<string, unknown>)[WEB_SEARCH[1]], WEB_SEARCH.join('.')) : undefined;
    const provider = typeof fields.litellm_provider === 'string' ? fields.litellm_provider : undefined;
    rows.push({
      model, glob: null, from: null, perMillion, perRequest: null, perCall: perSearch === undefined ? {} : { web_search: perSearch },
      path: [], source: `${at} ("${model}")`, ...(provider ? { provider } : {}),
    });
  }
  if (problems.length > 0) throw new RateCardError(file, problems);
  return rows;
}

/** The line each top-level key of a pretty-printed map starts on (1 when it cannot be told). */
function entryLines(text: string): (model: string) => number {
  const lines = new Map<string, number>();
  let line = 1;
  for (const row of text.split('\n')) {
    const key = /^\s{0,8}("(?:[^"\\]|\\.)*")\s*:\s*\{/.exec(row)?.[1];
    if (key !== undefined) {
      try {
        const name = JSON.parse(key) as string;
        if (!lines.has(name)) lines.set(name, line);
      } catch {
        // Not a key after all: its model is said to be on line 1.
      }
    }
    line++;
  }
  return (model) => lines.get(model) ?? 1;
}
