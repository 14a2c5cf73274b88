/**
 * The bench's rate card: twelve pools, all six methods, GPU pools, a tag filter, a staging
 * filter and a pool driven by charges; centres matched by team, a user, a tag and GPU
 * namespaces, as a real card mixes them.
 */
export const CARD = `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, name: Search, match: { team: [search, search-eval], namespace: [search] } }
  - { id: CC-2, name: Support, match: { team: [support], user: [u7@example.com], namespace: [support] } }
  - { id: CC-3, name: Research, match: { team: [research], namespace: [research] } }
  - { id: CC-4, name: Ads, match: { team: [ads, maps] } }
  - { id: CC-5, name: Agents, match: { tag.feature: [agent] } }
  - { id: CC-6, name: Growth, match: { team: [growth], namespace: [growth] } }
pools:
  - { id: proxy, cost: { fixed: "38000.00" }, overhead_pct: "12", usage: { models: [llama-3-70b, llama-3-8b] },
      method: proxy-price-per-token, driver: weighted_tokens, weights: { input: "1", output: "3", cached: "0.1" },
      tier_multipliers: { priority: "1.5", batch: "0.5" }, capacity: "40000000000", idle: spread }
  - { id: embeddings, cost: { fixed: "9000.00" }, usage: { models: [bge-large] }, method: proportional, driver: tokens }
  - id: hosted-api
    usage: { models: [gpt-4o] }
    method: tiered
    driver: output_tokens
    per: 1000
    tiers: [{ up_to: 1000000, price: "0.01" }, { up_to: 10000000, price: "0.008" }, { price: "0.006" }]
  - id: qwen-volume
    usage: { models: [qwen-72b] }
    method: tiered
    mode: volume
    driver: input_tokens
    per: 1000000
    tiers: [{ up_to: 50000000, price: "0.90" }, { price: "0.60" }]
  - { id: premium-slo, usage: { tiers: [priority] }, method: flat-plus-overage, driver: requests, subscribers: [CC-2],
      flat: "500.00", included: 20000, per: 1000, overage: "1.20" }
  - { id: mistral, cost: { fixed: "1000.00" }, usage: { models: [mistral-7b] }, method: proportional, driver: requests }
  - { id: agent-tools, cost: { fixed: "2500.00" }, usage: { tags: { feature: [agent, code-review, sql-assist] } },
      method: proportional, driver: cached_input_tokens }
  - { id: staging, cost: { fixed: "800.00" }, usage: { environments: [staging] }, method: proportional, driver: requests }
  - { id: gpu-hours, cost: { fixed: "9200.00" }, usage: { sources: [gpu] }, method: time-based, driver: gpu_hours, rate: "2.10" }
  - { id: gpu-busy, cost: { fixed: "3000.00" }, usage: { sources: [gpu] }, method: proportional, driver: gpu_busy_hours }
  - id: platform
    cost: { fixed: "15000.00" }
    method: hybrid
    components:
      - { weight: "0.25", split: even }
      - { weight: "0.25", split: shares, shares: { CC-1: 2, CC-2: 1 } }
      - { weight: "0.50", split: driver, driver: charges }
  - { id: finops, cost: { fixed: "1200.00" }, method: proportional, driver: charges }
budgets:
  - { cost_centre: CC-1, monthly: "20000.00", alert_pct: 80, hard: true }
  - { cost_centre: CC-4, monthly: "9000.00", alert_pct: 80 }
`;

/** The same card with the proxy pool's cost raised and its cached weight dropped: a what-if for `diff`. */
export const WHAT_IF_CARD = CARD.replace('fixed: "38000.00"', 'fixed: "41000.00"').replace(', cached: "0.1"', '');

/**
 * The bench card with SLO credits on the proxy pool's priority tier (issue 21): computing
 * them reads every event of the month once more (latencies, failed requests).
 */
export const SLO_CARD = CARD.replace('capacity: "40000000000", idle: spread }', `capacity: "40000000000", idle: spread,
      slo: [{ tier: priority, latency_p99_ms: 900, latency_credits: [{ up_to_ms: 950, credit_pct: 10 }, { credit_pct: 25 }],
        availability_pct: "99.9", availability_credits: [{ from_pct: "99", credit_pct: 10 }, { credit_pct: 25 }] }] }`);
