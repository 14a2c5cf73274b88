import { readFileSync } from 'node:fs';
import { Decimal } from '../../src/domain/money.js';
import { fixture } from './cli.js';

/**
 * A month of dcgm-exporter scrapes of one real GPU, built from the real scrape of a Tesla T4
 * (DataDog's fixture, host 424773df46e0): its power, energy counter, utilisation and memory
 * lines as exported, every 15 minutes from `start` to `end` inclusive, each with its own
 * timestamp. Working hours (09:00–18:00 UTC, Monday to Friday) draw 70 W at 100%, other
 * times the scrape's own 8.969 W at 0% (`host` renames the GPU's host, `busyHours` moves the working day). The counter starts at the scrape's value and adds
 * each interval's power × 900 s; just before `resetAt` the driver reloads and it counts from 0 again.
 * `joules` is what the month used by physics (power × time), worked out without the counter.
 */
export function dcgmEnergyMonth(start: string, end: string, resetAt: string, { host, busyHours = [9, 18] }: { host?: string; busyHours?: [number, number] } = {}):
  { text: string; joules: Decimal; busySteps: number; idleSteps: number } {
  const real = readFileSync(fixture('data/gpu/dcgm-exporter_scrape_datadog-fixture.prom'), 'utf8').split('\n');
  const line = (metric: string) => real.find((l) => l.startsWith(`${metric}{`) && l.includes('424773df46e0'))!;
  const [power, energy, util, fb] = ['DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_FB_USED'].map(line) as [string, string, string, string];
  const labels = (l: string) => {
    const kept = l.slice(0, l.lastIndexOf(' '));
    return host === undefined ? kept : kept.replace('Hostname="424773df46e0"', `Hostname="${host}"`);
  };
  const value = (l: string) => l.slice(l.lastIndexOf(' ') + 1);
  const step = 900_000;
  const [from, to, reset] = [Date.parse(start), Date.parse(end), Date.parse(resetAt)];
  let counter = new Decimal(value(energy));
  let joules = new Decimal(0);
  let busySteps = 0;
  let idleSteps = 0;
  let previous = new Decimal(0);
  const out: string[] = [];
  for (let t = from; t <= to; t += step) {
    const at = new Date(t);
    const busy = at.getUTCDay() >= 1 && at.getUTCDay() <= 5 && at.getUTCHours() >= busyHours[0] && at.getUTCHours() < busyHours[1];
    const watts = busy ? new Decimal(70) : new Decimal(value(power));
    // The driver reloaded just after the last scrape: the counter holds only what it has counted since.
    if (t === reset) counter = previous.times(900_000);
    out.push(`${labels(power)} ${watts.toFixed(6)} ${t}`, `${labels(energy)} ${counter.toFixed()} ${t}`,
      `${labels(util)} ${busy ? 100 : 0} ${t}`, `${labels(fb)} ${value(fb)} ${t}`);
    if (t < to) {
      joules = joules.plus(watts.times(900));
      if (busy) busySteps++;
      else idleSteps++;
    }
    counter = counter.plus(watts.times(900_000));
    previous = watts;
  }
  return { text: `${out.join('\n')}\n`, joules, busySteps, idleSteps };
}
