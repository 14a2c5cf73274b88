import { direct } from './direct.js';
import { flatPlusOverage } from './flat-plus-overage.js';
import { hybrid } from './hybrid.js';
import { priceList } from './price-list.js';
import type { AllocationMethod } from './method.js';
import { proportional } from './proportional.js';
import { proxyPricePerToken } from './proxy-price-per-token.js';
import { tiered } from './tiered.js';
import { timeBased } from './time-based.js';

/** Every allocation method by its rate-card name. Adding a method is one file and one line. */
export const METHODS: Readonly<Record<string, AllocationMethod<any>>> = {
  proportional,
  'proxy-price-per-token': proxyPricePerToken,
  'time-based': timeBased,
  tiered,
  'flat-plus-overage': flatPlusOverage,
  hybrid,
  direct,
  'price-list': priceList,
};

export type { AllocationMethod, PoolCharge, PoolInput, PoolOutcome, PoolUsage } from './method.js';
