/**
 * One price-list pool's method and rows, as a card writes them (4 spaces in, under a pool's
 * id): what the price-list tests in the domain and end to end price with.
 */
export const PRICE_LIST_POOL = `    method: price-list
    tier_multipliers: { batch: "0.5" }
    prices:
      - model: gpt-4o
        per_million: { input: "2.50", cache_read: "1.25", output: "10.00" }
      - model: gpt-4o
        from: 2026-10-15
        per_million: { input: "2.00", cache_read: "1.00", output: "8.00" }
      - model: "claude-sonnet-4*"
        per_million: { input: "3.00", cache_read: "0.30", cache_write: "3.75", cache_write_1h: "6.00", output: "15.00" }
        per_call: { web_search: "0.01" }
      - model: o3
        per_million: { input: "2.00", output: "8.00", reasoning: "8.00" }
        per_request: "0.001"`;
