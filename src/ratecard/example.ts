/** The commented example card that `chargeback init --example` writes. It must validate. */
export const EXAMPLE_RATE_CARD = `# chargeback rate card: who belongs to which cost centre, and how each pool is charged.
# One organisation: API spend at the providers' prices, reconciled to the invoice; a GPU
# cluster shared by usage; cloud accounts charged straight to their owners.
# Money is always a quoted decimal string ("38000.00"), never a YAML number.
version: 1
currency: USD
timezone: UTC                 # months are [1st 00:00, next 1st 00:00) in this zone
effective_from: 2026-01       # months this card may price
unallocated: CC-0000          # takes unmatched usage, unmatched bills and idle cost
platform: { cost_centre: CC-9000, gl_account: "6100" }   # what the ERP journal credits

cost_centres:
  - id: CC-4100
    name: Search
    # any listed value of any key matches; the first centre that matches wins
    match: { team: [search, search-eval], account: ["111111111111"] }
  - id: CC-4200
    name: Support bots
    match: { user: [bot@example.com], project: [helpdesk], subscription: [sub-support] }
  - id: CC-9000
    name: Platform
    match: { team: [platform] }

budgets:
  - { cost_centre: CC-4100, monthly: "20000.00", alert_pct: 80 }

pools:
  # API spend priced per model and token class, as the providers bill it. The invoice is the
  # cost: what list prices do not explain is a variance line of the unallocated centre.
  - id: api
    cost: { billing: { provider: [OpenAI, Anthropic] }, column: billed_cost }
    usage: { models: [gpt-4o, o3, claude-sonnet-4-20250514] }
    method: price-list
    tier_multipliers: { batch: "0.5" }       # batch requests at half price
    # prices_file: model_prices_and_context_window.json   # LiteLLM's price map; these rows come first
    prices:
      - model: gpt-4o
        provider: OpenAI                       # who bills it: list is held to that invoice
        per_million: { input: "2.50", cache_read: "1.25", output: "10.00" }
      - model: gpt-4o
        provider: OpenAI
        from: 2026-10-15                       # a price change: from this day on
        per_million: { input: "2.00", cache_read: "1.00", output: "8.00" }
      - model: o3
        provider: OpenAI
        per_million: { input: "2.00", cache_read: "0.50", output: "8.00" }   # reasoning is priced as output
      - model: "claude-sonnet-4*"
        provider: Anthropic
        per_million: { input: "3.00", cache_read: "0.30", cache_write: "3.75", cache_write_1h: "6.00", output: "15.00" }
        per_call: { web_search: "0.01" }

  # A GPU cluster shared by how much each team used it.
  - id: llm-cluster
    cost: { fixed: "38000.00" }                # the month's cost of the pool
    overhead_pct: "12"                         # recover cost x 1.12
    usage: { models: [llama-3-70b, llama-3-8b] }
    method: proportional                       # split by each centre's share of the driver
    driver: tokens                             # requests, input_tokens, output_tokens or tokens

  # Cloud accounts charged to whoever owns them: each AWS record to the centre whose match
  # names its account; records nobody owns to the unallocated centre, named by account.
  - id: aws
    cost: { billing: { provider: AWS }, column: effective_cost }
    method: direct
    unused_commitments: CC-9000                # unused Savings Plans and reservations
`;
