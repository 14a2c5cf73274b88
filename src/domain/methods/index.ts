import type { AllocationMethod } from './method.js';
import { proportional } from './proportional.js';

/** Every allocation method by its rate-card name. Adding a method is one file and one line. */
export const METHODS: Readonly<Record<string, AllocationMethod<any>>> = {
  proportional,
};

export type { AllocationMethod, PoolCharge, PoolInput, PoolOutcome } from './method.js';
