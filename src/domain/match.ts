import { tagOf } from './tags.js';
import type { CostCentre, GroupShape, Identity, Owner, RateCard, UsageFilter } from './types.js';

/** The value of a match key (`user`, `tag.env`, …) for a usage group, if it has one. */
function identityValue(group: GroupShape, key: string): string | undefined {
  if (key.startsWith('tag.')) return tagOf(group.tags, key.slice(4));
  return group.identity[key as keyof Identity];
}

/**
 * The first cost centre whose rule the group satisfies (SPEC §4.1, exact case-sensitive
 * equality, §8.5), or null when none does.
 */
export function matchCostCentre(group: GroupShape, centres: readonly CostCentre[]): CostCentre | null {
  for (const centre of centres) {
    for (const [key, values] of centre.match) {
      const value = identityValue(group, key);
      if (value !== undefined && values.includes(value)) return centre;
    }
  }
  return null;
}

/** One value that one centre's rule lists for one key; `rank` is the centre's place in the card. */
export interface MatchRuleValue {
  key: string;
  value: string;
  rank: number;
}

/**
 * The centres' rules as rows: a usage's owner is the centre of the lowest rank among the
 * rows whose key has that value in the usage, which is matchCostCentre's first match.
 * The ledger resolves owners of many rows at once from these.
 */
export function matchRuleValues(centres: readonly CostCentre[]): MatchRuleValue[] {
  return centres.flatMap((centre, rank) => [...centre.match].flatMap(([key, values]) => values.map((value) => ({ key, value, rank }))));
}

/** Who owns a group: the owner it was summed under, else the first matching centre, else unallocated. */
export function ownerOf(group: GroupShape, card: RateCard): Owner {
  if (group.centre) return group.centre;
  const centre = matchCostCentre(group, card.costCentres);
  return { id: centre?.id ?? card.unallocated, matched: centre !== null };
}

/** How a group names itself in warnings: its identity fields in a fixed order. */
export function describeIdentity(group: Pick<GroupShape, 'identity'>): string {
  const parts = Object.entries(group.identity)
    .filter(([, value]) => value !== undefined && value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`);
  return parts.length > 0 ? parts.join(' ') : '(no identity)';
}

const listTakes = (list: readonly string[] | undefined, value: string | undefined): boolean =>
  list === undefined || (value !== undefined && list.includes(value));

/**
 * Whether a pool's usage filter takes a group (SPEC §8.4): AND across keys, OR within a
 * key's list; a group lacking the field fails that key; no filter takes everything.
 */
export function filterTakes(filter: UsageFilter | undefined, group: GroupShape): boolean {
  if (!filter) return true;
  if (!listTakes(filter.models, group.model)) return false;
  if (!listTakes(filter.tiers, group.tier)) return false;
  if (!listTakes(filter.environments, group.environment)) return false;
  if (!listTakes(filter.sources, group.source)) return false;
  for (const [name, values] of filter.tags ?? []) {
    if (!listTakes(values, tagOf(group.tags, name))) return false;
  }
  return true;
}
