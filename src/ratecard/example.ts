/** The commented example card that `chargeback init --example` writes. It must validate. */
export const EXAMPLE_RATE_CARD = `# chargeback rate card: who belongs to which cost centre, and how each pool is charged.
# Money is always a quoted decimal string ("38000.00"), never a YAML number.
version: 1
currency: USD
timezone: UTC                 # months are [1st 00:00, next 1st 00:00) in this zone
effective_from: 2026-01       # months this card may price
unallocated: CC-0000          # takes unmatched usage and idle cost

cost_centres:
  - id: CC-4100
    name: Search
    match: { team: [search, search-eval] }     # any listed value of any key matches
  - id: CC-4200
    name: Support bots
    match: { user: [bot@example.com], project: [helpdesk] }

pools:
  - id: llm-cluster
    cost: { fixed: "38000.00" }                # the month's cost of the pool
    overhead_pct: "12"                         # recover cost x 1.12
    usage: { models: [llama-3-70b, llama-3-8b] }
    method: proportional                       # split by each centre's share of the driver
    driver: tokens                             # requests, input_tokens, output_tokens or tokens
`;
