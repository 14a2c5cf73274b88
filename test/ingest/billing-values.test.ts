import { Decimal } from 'decimal.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../e2e/cli.js';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { isMissing, parseBillingDate, parseMoney, parseTags } from '../../src/ingest/billing/values.js';
import { chooseReader, fileStart } from '../../src/ingest/index.js';
import { readAll, type ReadItem } from '../../src/ingest/reader.js';

describe('billing quirks, one case each', () => {
  it('NULL, null, None and empty are missing', () => {
    for (const text of ['', 'NULL', 'null', 'None']) assert.equal(isMissing(text), true, text);
    assert.equal(isMissing('0'), false);
  });

  // text                      → UTC                            the quirk
  const dates: [string, 'mdy' | 'dmy', string | null][] = [
    ['2024-09-01 00:00:00', 'mdy', '2024-09-01T00:00:00.000Z'], // FOCUS sample: no T, no Z
    ['2023-11-01T00:00:00.000Z', 'mdy', '2023-11-01T00:00:00.000Z'], // CUR: ISO with milliseconds
    ['2025-06-01T00:00:00Z', 'mdy', '2025-06-01T00:00:00.000Z'],
    ['9/2/2023', 'mdy', '2023-09-02T00:00:00.000Z'], // Azure EA: M/D/YYYY, no padding
    ['9/2/2023', 'dmy', '2023-02-09T00:00:00.000Z'], // --date-order dmy
    ['09/21/2023', 'mdy', '2023-09-21T00:00:00.000Z'],
    ['5/1/25', 'mdy', '2025-05-01T00:00:00.000Z'], // FOCUS SaaS sample: two-digit year
    ['2024-09-01 10:00:00+02:00', 'mdy', '2024-09-01T08:00:00.000Z'],
    ['2/30/2024', 'mdy', null],
    ['13/1/2024', 'mdy', null],
  ];
  for (const [text, order, expected] of dates) {
    it(`reads the date "${text}" (${order}) as ${expected}`, () => {
      const ms = parseBillingDate(text, order);
      assert.equal(ms === null ? null : new Date(ms).toISOString(), expected);
    });
  }

  it('reads money as decimal text, scientific notation and negative credits included', () => {
    assert.equal(parseMoney('5.64902E-05')?.toFixed(), '0.0000564902');
    assert.equal(parseMoney('-1.23')?.toFixed(), '-1.23');
    assert.equal(parseMoney('0.00000080000')?.toFixed(), '0.0000008');
    assert.equal(parseMoney('NULL'), null);
    assert.equal(parseMoney('12,50'), null);
  });

  it('reads tags as JSON with or without braces, trims keys, and keeps the last of equal keys', () => {
    const plain = (text: string) => ({ ...parseTags(text) });
    assert.deepEqual(plain('{"application":"web"," org":"trey","org":"contoso"}'), { application: 'web', org: 'contoso' });
    assert.deepEqual(plain('"tagA": "valueA","tagB": "valueB"'), { tagA: 'valueA', tagB: 'valueB' });
    assert.deepEqual(plain('[{"key":"env","value":"prod"}]'), { env: 'prod' });
    assert.deepEqual(plain('NULL'), {});
    assert.equal(parseTags('not json'), null);
  });
});

async function items(text: string): Promise<{ format: string; items: ReadItem[] }> {
  const reader = chooseReader('billing', undefined, fileStart(text), 'b.csv');
  const out: ReadItem[] = [];
  for await (const batch of readAll(reader, Readable.from([Buffer.from(text)]), { name: 'b.csv' })) out.push(...batch);
  return { format: reader.format, items: out };
}

describe('GCP billing export (no public sample: a file made here from the documented columns)', () => {
  it('reads cost, credits as negative effective cost, labels and project as tags, cost_type', async () => {
    const text = [
      'billing_account_id,service.description,sku.id,usage_start_time,usage_end_time,project.id,labels,cost,currency,credits,cost_type',
      '0A-1,Compute Engine,SKU-1,2024-09-01 00:00:00 UTC,2024-09-01 01:00:00 UTC,proj-a,"[{""key"":""team"",""value"":""search""}]",12.345678,USD,"[{""name"":""CUD"",""amount"":-2.000001}]",regular',
      '0A-1,Cloud Storage,SKU-2,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,proj-b,[],0.5,USD,[],tax',
    ].join('\n');
    const { format, items: found } = await items(text.replace(/ UTC/g, 'Z').replace(/00Z/g, '00Z'));
    assert.equal(format, 'gcp');
    const records = found.flatMap((i) => (i.kind === 'billing' ? [i.record] : []));
    assert.equal(records.length, 2, JSON.stringify(found.filter((i) => i.kind === 'reject')));
    assert.deepEqual([records[0]!.billedCost.toFixed(), records[0]!.effectiveCost.toFixed()], ['12.345678', '10.345677']);
    assert.deepEqual(records[0]!.tags, { team: 'search', project: 'proj-a' });
    assert.deepEqual([records[0]!.provider, records[0]!.service, records[0]!.chargeCategory, records[1]!.chargeCategory], ['Google Cloud', 'Compute Engine', 'usage', 'tax']);
  });

  it('takes invoice.month (YYYYMM) as the billing period that billed cost follows', async () => {
    const text = 'usage_start_time,usage_end_time,cost,currency,invoice.month\n2024-08-31T23:00:00Z,2024-09-01T00:00:00Z,1.00,USD,202409\n';
    const record = (await items(text)).items.find((i) => i.kind === 'billing');
    assert.ok(record?.kind === 'billing');
    assert.deepEqual([record.record.billingPeriodStartMs, record.record.billingPeriodEndMs], [Date.UTC(2024, 8, 1), Date.UTC(2024, 9, 1)]);
  });

  it('reads the export as pandas writes it (Python literals): every row stored, credits netted; other cell syntax is a reject', async () => {
    const text = [
      'billing_account_id,service.description,sku.id,usage_start_time,usage_end_time,project.id,labels,cost,currency,credits,cost_type',
      `0A-1,Compute Engine,SKU-1,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,proj-a,"[{'key': 'team', 'value': 'search'}, {'key': 'note', 'value': 'it\\'s'}]",1.00,USD,"[{'name': 'CUD', 'amount': -0.01, 'type': None}, {'name': 'FREE', 'amount': -0.2}]",regular`,
      "0A-1,Compute Engine,SKU-1,2024-09-01T01:00:00Z,2024-09-01T02:00:00Z,proj-a,[],2.00,USD,\"[{'name': 'CUD', 'amt': -0.01}]\",regular",
      '0A-1,Compute Engine,SKU-1,2024-09-01T02:00:00Z,2024-09-01T03:00:00Z,proj-a,[],3.00,usd,credits!,regular',
      '0A-1,Compute Engine,SKU-1,2024-09-01T03:00:00Z,2024-09-01T04:00:00Z,proj-a,[],4.00,MC,[],regular',
    ].join('\n');
    const found = (await items(text)).items;
    const records = found.flatMap((i) => (i.kind === 'billing' ? [i.record] : []));
    assert.deepEqual(records.map((r) => [r.billedCost.toFixed(), r.effectiveCost.toFixed()]), [['1', '0.79']]);
    assert.deepEqual({ ...records[0]!.tags }, { team: 'search', note: "it's", project: 'proj-a' });
    const reasons = found.flatMap((i) => (i.kind === 'reject' ? [[i.reject.line, i.reject.field, i.reject.reason]] : []));
    assert.deepEqual(reasons, [
      [3, 'credits', 'expected an amount in each of the 1 credits, read 0'],
      [4, 'credits', 'expected a list of credits (JSON or a Python literal), got "credits!"'],
      [5, 'currency', '"MC" is not an ISO 4217 currency code: pass --currency to say which currency the file is in'],
    ]);
  });

  it('reads credits pandas wrote in scientific notation exactly (issue 31): -5e-06 and 1.2E+3, a JSON list too', async () => {
    const text = [
      'billing_account_id,service.description,sku.id,usage_start_time,usage_end_time,project.id,labels,cost,currency,credits,cost_type',
      `0A-1,Compute Engine,SKU-1,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,proj-a,[],1.2E+3,USD,"[{'name': 'SUD', 'amount': -5e-06, 'type': 'SUSTAINED_USAGE_DISCOUNT'}]",regular`,
      '0A-1,Compute Engine,SKU-1,2024-09-01T01:00:00Z,2024-09-01T02:00:00Z,proj-a,[],2.5e-1,USD,"[{""name"": ""SUD"", ""amount"": -1.5E-2}]",regular',
    ].join('\n');
    const found = (await items(text)).items;
    const records = found.flatMap((i) => (i.kind === 'billing' ? [i.record] : []));
    assert.deepEqual(records.map((r) => [r.billedCost.toFixed(), r.effectiveCost.toFixed()]), [['1200', '1199.999995'], ['0.25', '0.235']]);
  });

  it('rejects an unknown charge category, naming the field and the known ones', async () => {
    const text = 'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,Tags\n1.00,USD,2024-09-01,2024-09-02,Rebate,{}\n';
    const reject = (await items(text)).items.find((i) => i.kind === 'reject');
    assert.ok(reject?.kind === 'reject');
    assert.deepEqual([reject.reject.line, reject.reject.field], [2, 'chargecategory']);
    assert.match(reject.reject.reason, /unknown charge category "Rebate" \(known: usage, purchase, tax, credit, adjustment\)/);
  });
});

describe('tags and dimensions users allocate by (issue 15)', () => {
  it('CUR in the Athena/Parquet layout: resource_tags_user_* and cost_category_* columns are tags', async () => {
    const text = [
      'identity_line_item_id,line_item_usage_start_date,line_item_usage_end_date,line_item_unblended_cost,line_item_currency_code,line_item_line_item_type,product_product_name,resource_tags_user_team,resource_tags_user_cost_center,cost_category_environment',
      'abc,2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1.25,USD,Usage,Amazon Bedrock,search,CC-4100,prod',
    ].join('\n');
    const { format, items: found } = await items(text);
    assert.equal(format, 'aws-cur');
    const record = found.find((i) => i.kind === 'billing');
    assert.ok(record?.kind === 'billing');
    assert.deepEqual({ ...record.record.tags }, { team: 'search', cost_center: 'CC-4100', 'cost_category/environment': 'prod' });
    assert.deepEqual(found[0]?.kind === 'header' ? found[0].ignored : null, []);
  });

  it('Azure: subscription, resource group and meter subcategory are tags, on the real EA sample', async () => {
    const { items: found } = await items(readFileSync(join(ROOT, 'fixtures/data/cloud/azure-ea_usage-details_sample_anonymous.csv'), 'utf8'));
    const first = found.find((i) => i.kind === 'billing');
    assert.ok(first?.kind === 'billing');
    const tags = first.record.tags;
    assert.ok(tags.subscription && tags.resource_group !== undefined && tags.meter_subcategory !== undefined, JSON.stringify(tags));
  });
});

describe('AWS amortised cost (issue 15)', () => {
  // One month of a CUR with commitments, in its own columns. Worked by hand from AWS's rules:
  //   type                      unblended  amortised (effective)
  //   Usage                        10.00    10.00
  //   SavingsPlanCoveredUsage       5.00     3.20  (SavingsPlanEffectiveCost)
  //   SavingsPlanNegation          -5.00     0
  //   SavingsPlanRecurringFee     100.00     3.20  (TotalCommitmentToDate 100.00 - UsedCommitment 96.80)
  //   SavingsPlanUpfrontFee       200.00     0
  //   DiscountedUsage               0.00     1.50  (reservation EffectiveCost)
  //   RIFee                        30.00     3.00  (unused amortised upfront 2.00 + unused recurring 1.00)
  //   Fee (RI upfront, has an ARN) 500.00     0
  //   Fee (no reservation)          4.00     4.00
  //   Tax                           1.00     1.00
  //   Σ                           845.00    25.90
  const rows: [string, string, string, string, string, string, string, string, string][] = [
    // type, unblended, sp effective, sp commitment, sp used, ri effective, ri unused upfront, ri unused recurring, ri arn
    ['Usage', '10.00', '', '', '', '', '', '', ''],
    ['SavingsPlanCoveredUsage', '5.00', '3.20', '', '', '', '', '', ''],
    ['SavingsPlanNegation', '-5.00', '', '', '', '', '', '', ''],
    ['SavingsPlanRecurringFee', '100.00', '', '100.00', '96.80', '', '', '', ''],
    ['SavingsPlanUpfrontFee', '200.00', '', '', '', '', '', '', ''],
    ['DiscountedUsage', '0.00', '', '', '', '1.50', '', '', 'arn:aws:ec2:ri/1'],
    ['RIFee', '30.00', '', '', '', '', '2.00', '1.00', 'arn:aws:ec2:ri/1'],
    ['Fee', '500.00', '', '', '', '', '', '', 'arn:aws:ec2:ri/1'],
    ['Fee', '4.00', '', '', '', '', '', '', ''],
    ['Tax', '1.00', '', '', '', '', '', '', ''],
  ];
  const layouts: [string, string[]][] = [
    ['legacy', ['identity/LineItemId', 'lineItem/UsageStartDate', 'lineItem/UsageEndDate', 'lineItem/CurrencyCode', 'lineItem/LineItemType', 'lineItem/UnblendedCost',
      'savingsPlan/SavingsPlanEffectiveCost', 'savingsPlan/TotalCommitmentToDate', 'savingsPlan/UsedCommitment', 'reservation/EffectiveCost',
      'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod', 'reservation/UnusedRecurringFee', 'reservation/ReservationARN']],
    ['CUR 2.0', ['identity_line_item_id', 'line_item_usage_start_date', 'line_item_usage_end_date', 'line_item_currency_code', 'line_item_line_item_type', 'line_item_unblended_cost',
      'savings_plan_savings_plan_effective_cost', 'savings_plan_total_commitment_to_date', 'savings_plan_used_commitment', 'reservation_effective_cost',
      'reservation_unused_amortized_upfront_fee_for_billing_period', 'reservation_unused_recurring_fee', 'reservation_reservation_a_r_n']],
  ];
  for (const [layout, header] of layouts) {
    it(`${layout}: effective cost is AWS's amortised cost, billed cost the unblended cost`, async () => {
      const text = [header.join(','), ...rows.map(([type, ...rest], i) => [`id-${i}`, '2024-09-01T00:00:00Z', '2024-10-01T00:00:00Z', 'USD', type, ...rest].join(','))].join('\n');
      const found = (await items(text)).items;
      const records = found.flatMap((i) => (i.kind === 'billing' ? [i.record] : []));
      assert.equal(records.length, rows.length, JSON.stringify(found.filter((i) => i.kind === 'reject')));
      const sum = (pick: (r: (typeof records)[number]) => { plus(x: unknown): unknown; toFixed(n: number): string }) =>
        records.reduce((total, r) => total.plus(pick(r) as never), new Decimal(0)).toFixed(2);
      assert.equal(sum((r) => r.effectiveCost), '25.90');
      assert.equal(sum((r) => r.billedCost), '845.00');
    });
  }
});

describe('Azure variants (issue 15)', () => {
  it('the legacy pay-as-you-go schema (UsageDateTime, PreTaxCost, InstanceId) is detected and read', async () => {
    const text = 'SubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,MeterSubcategory,MeterId,MeterName,MeterRegion,UsageQuantity,ResourceRate,PreTaxCost,ConsumedService,ResourceType,InstanceId,Tags,OfferId,AdditionalInfo,ServiceInfo1,ServiceInfo2,Currency\n' +
      '11111111-2222-3333-4444-555555555555,rg-ml,westeurope,2024-09-03,Virtual Machines,NCasT4_v3 Series,abc,NC4as T4 v3,EU West,24,0.526,12.624,Microsoft.Compute,Microsoft.Compute/virtualMachines,/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Compute/virtualMachines/gpu1,"{""team"": ""search""}",MS-AZR-0003P,,,,EUR\n';
    const { format, items: found } = await items(text);
    assert.equal(format, 'azure');
    const record = found.find((i) => i.kind === 'billing');
    assert.ok(record?.kind === 'billing', JSON.stringify(found));
    assert.deepEqual([record.record.billedCost.toFixed(), record.record.currency, record.record.resourceId, record.record.periodStartMs],
      ['12.624', 'EUR', '/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Compute/virtualMachines/gpu1', Date.UTC(2024, 8, 3)]);
    assert.deepEqual({ ...record.record.tags }, { subscription: '11111111-2222-3333-4444-555555555555', resource_group: 'rg-ml', meter_subcategory: 'NCasT4_v3 Series', team: 'search' });
  });

  it('a localised header that keeps the English names in parentheses is read; any other says it looks localised', async () => {
    const german = 'Datum (Date),Messkategorie (MeterCategory),Kosten (CostInBillingCurrency),Währung (BillingCurrency)\n9/3/2024,Virtual Machines,1.50,EUR\n';
    const { format, items: found } = await items(german);
    assert.equal(format, 'azure');
    assert.ok(found.some((i) => i.kind === 'billing' && i.record.billedCost.toFixed() === '1.5'));
    await assert.rejects(items('Datum,Messkategorie,Kosten,Währung\n9/3/2024,VM,1.50,EUR\n'),
      /cannot tell the format from the header \(columns: Datum, Messkategorie, Kosten, Währung\).*pass --format \(the header looks localised: export it with English column names, or with the English name in parentheses\)/);
  });
});
