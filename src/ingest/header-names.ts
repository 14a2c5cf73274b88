/**
 * A header cell by its English name: a portal export in another language keeps the English
 * name in parentheses (`Kosten (PreTaxCost)`), and that is the name formats know.
 */
export function englishName(cell: string): string {
  const inParentheses = /\(([A-Za-z0-9_/.:]+)\)\s*$/.exec(cell.trim());
  return inParentheses ? inParentheses[1]! : cell.trim();
}
