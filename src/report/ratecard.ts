import type { RateCard } from '../domain/types.js';
import { printable } from './cells.js';
import { asJson, type View } from './view.js';

export interface RateCardCheck {
  file: string;
  sha256: string;
  card: RateCard;
  /** The month checked against the card's effective range, if one was asked for. */
  month: string | null;
}

/** `ratecard validate`: a valid card's summary (an invalid one is an error, one line per problem). */
export const RATECARD_VIEW: View<RateCardCheck> = {
  table: ({ file, card }) => `${printable(file)}: valid (${count(card.costCentres.length, 'cost centre')}, ${count(card.pools.length, 'pool')}, ${card.currency})\n`,
  json: ({ file, sha256, card, month }) => asJson({
    file, valid: true, sha256, currency: card.currency, time_zone: card.timezone,
    effective_from: card.effectiveFrom?.label ?? null, effective_to: card.effectiveTo?.label ?? null, month,
    cost_centres: card.costCentres.map((c) => c.id), pools: card.pools.map((p) => ({ pool: p.id, method: p.method })),
    budgets: card.budgets.length, unallocated: card.unallocated,
  }),
};

/** `1 pool`, `3 pools`. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
