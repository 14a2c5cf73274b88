/**
 * Tags are client-set names: `__proto__`, `constructor` or `toString` are names like any
 * other (issue 13). Tag objects have no prototype, and a name is looked up as an own
 * property only, so no name can reach or replace what every object inherits.
 */
export function newTags(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** A tag's value, if the tags have that name. */
export function tagOf(tags: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(tags, name) ? tags[name] : undefined;
}
