import type { StatementLine } from './types.js';

/**
 * Whether a statement line charges usage of its pool: not the platform's idle share and not
 * an SLO credit (issue 21), which carry no quantity and no usage of their own.
 */
export const isUsageLine = (line: StatementLine): boolean => line.method !== 'idle' && line.method !== 'slo-credit';
