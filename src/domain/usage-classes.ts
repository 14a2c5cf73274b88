import { tagOf } from './tags.js';
import { filterTakes, matchRuleValues, type MatchRuleValue } from './match.js';
import { compareIds } from './order.js';
import type { GroupShape, Identity, RateCard } from './types.js';

/** One stored combination of who, model, tier, environment and tags (a ledger dims row). */
export interface UsageDims {
  identity: Identity;
  model: string;
  tier?: string;
  environment?: string;
  tags: Readonly<Record<string, string>>;
}

/** A field of a dims row: an identity key, `model`, `tier`, `environment` or `tag.NAME`. */
export type DimsField = keyof Identity | 'model' | 'tier' | 'environment' | `tag.${string}`;

/** The class a dims row falls in: rows with equal keys are summed together. */
export interface UsageClass {
  key: string;
  shape: GroupShape;
}

/**
 * How usage is classed. The owner of a row is resolved from `rules` (see matchRuleValues)
 * and handed to `classify` as the centre's rank (null: no rule matched). `classify` sees
 * only `fields` of a row (the others absent) and returns null when the class needs the
 * whole row; given the whole row, it always answers.
 */
export interface UsageClassifier {
  rules: readonly MatchRuleValue[];
  fields: readonly DimsField[];
  classify(dims: UsageDims, rank: number | null, whole: boolean): UsageClass | null;
}

/**
 * Puts each dims row in the coarsest class that gives the same statement as the row itself
 * (issue 11): its owner (which the ledger resolves from `rules`, matchRuleValues' rows of
 * the same first-match rule as matchCostCentre) and only the fields that pool filters and
 * multipliers read (model, tier, environment and the tags filters name). Usage that no pool
 * takes keeps its identity and model, which the unpriced list names; the rest drops its
 * identity, so a month of 200,000 combinations reaches the methods as a few hundred groups.
 * test/ledger/aggregates.test.ts holds the two paths to byte-identical statements.
 * `keepTags` keeps more tags on the classes, for views by a tag's value (`--by tag.NAME`):
 * finer classes of the same usage, so the same statement.
 */
export function usageClassifier(card: RateCard, keepTags: readonly string[] = []): UsageClassifier {
  const filterTags = [...new Set([...classifiedTags(card), ...keepTags])].sort(compareIds);
  const fields: DimsField[] = ['model', 'tier', 'environment', ...filterTags.map((name) => `tag.${name}` as const)];
  return {
    rules: matchRuleValues(card.costCentres).filter((rule) => isDimsField(rule.key)),
    fields,
    classify(dims, rank, whole) {
      const full: GroupShape = { source: 'gateway', ...dims };
      const matched = rank === null ? undefined : card.costCentres[rank];
      const centre = { id: matched?.id ?? card.unallocated, matched: matched !== undefined };
      if (!card.pools.some((pool) => filterTakes(pool.usage, full))) {
        if (!whole) return null;
        // Dropping tier, environment and tags can only make a filter fail, never take it.
        const shape: GroupShape = { source: 'gateway', identity: dims.identity, model: dims.model, tags: {}, centre };
        return { key: JSON.stringify(['unpriced', centre.id, centre.matched, dims.model, identityKey(dims.identity)]), shape };
      }
      const tags = Object.fromEntries(filterTags.flatMap((name) => { const value = tagOf(dims.tags, name); return value === undefined ? [] : [[name, value]]; }));
      const shape: GroupShape = {
        source: 'gateway',
        identity: {},
        model: dims.model,
        ...(dims.tier === undefined ? {} : { tier: dims.tier }),
        ...(dims.environment === undefined ? {} : { environment: dims.environment }),
        tags,
        centre,
      };
      return { key: JSON.stringify([centre.id, centre.matched, dims.model, dims.tier ?? null, dims.environment ?? null, tags]), shape };
    },
  };
}

/** Each dims row its own class, identity and all: the ledger's rows as they are. */
export const EVERY_ROW: UsageClassifier = {
  rules: [],
  fields: ['api_key', 'user', 'team', 'project', 'model', 'tier', 'environment'],
  classify(dims, _rank, whole) {
    if (!whole) return null;
    const key = JSON.stringify([identityKey(dims.identity), dims.model, dims.tier ?? null, dims.environment ?? null, dims.tags]);
    return { key, shape: { source: 'gateway', ...dims } };
  },
};

/** Whether a class holds usage that no cost centre's rule matched. */
export function isUnmatched(shape: GroupShape): boolean {
  return shape.centre !== undefined && !shape.centre.matched;
}

const IDENTITY_FIELDS: readonly string[] = ['api_key', 'user', 'team', 'project'];

/** Match keys that gateway usage can carry (not `namespace` or `host`, which GPU samples carry). */
function isDimsField(key: string): key is DimsField {
  return IDENTITY_FIELDS.includes(key) || key.startsWith('tag.');
}

function identityKey(identity: Identity): string {
  return JSON.stringify([identity.api_key ?? null, identity.user ?? null, identity.team ?? null, identity.project ?? null]);
}

/** The tags the card's pools filter on: a classification keeps their values (and so a run's views). */
export function classifiedTags(card: RateCard): string[] {
  return [...new Set(card.pools.flatMap((pool) => [...(pool.usage?.tags?.keys() ?? [])]))].sort(compareIds);
}
