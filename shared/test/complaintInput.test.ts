import { complaintInputSchema, formatComplaintNumber, COMPLAINT_NUMBER_PATTERN } from '../src';

const base = {
  kind: 'complaint',
  category: 'service_process',
  customer: { name: '李四', phone: '138-0013-8000' },
  description: '接待态度差',
};

function errorsOf(input: unknown): Record<string, string> {
  const result = complaintInputSchema.safeParse(input);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((i) => [i.path.join('.'), i.message]));
}

describe('complaint input (SPEC §8)', () => {
  it('defaults severity to minor, channel to web form and the vehicle to none', () => {
    expect(complaintInputSchema.parse(base)).toMatchObject({ severity: 'minor', channel: 'web_form', vehicle: {}, request: '' });
  });

  it.each([
    ['a VIN with the letter O', { vehicle: { vin: 'LSVAU2180N218329O' } }, 'vehicle.vin'],
    ['a VIN of 16 characters', { vehicle: { vin: 'LSVAU2180N218329' } }, 'vehicle.vin'],
    ['an unknown kind', { kind: 'praise' }, 'kind'],
    ['an unknown category', { category: 'weather' }, 'category'],
    ['an empty description', { description: '   ' }, 'description'],
    ['a receipt time without offset', { receivedAt: '2026-11-23T09:00:00' }, 'receivedAt'],
    ['a bad email', { customer: { name: 'x', phone: '13800138000', email: 'nope' } }, 'customer.email'],
    ['no phone on a hotline complaint', { channel: 'hotline', customer: { name: 'x' } }, 'customer.phone'],
    ['an internet complaint without its post URL', { channel: 'internet', customer: { name: 'x' } }, 'url'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    expect(Object.keys(errorsOf({ ...base, ...change }))).toContain(field);
  });

  it('accepts an internet complaint with a post URL and no phone', () => {
    const input = { ...base, channel: 'internet', customer: { name: '网友 abc' }, url: 'https://bbs.example.com/t/1', source: 'forum', postedAt: '2026-11-22T20:00:00+08:00' };
    expect(errorsOf(input)).toEqual({});
  });

  it('normalises a lower-case VIN to upper case', () => {
    expect(complaintInputSchema.parse({ ...base, vehicle: { vin: 'lsvau2180n2183294' } }).vehicle.vin).toBe('LSVAU2180N2183294');
  });
});

describe('complaint numbers', () => {
  it('carry the Beijing receipt date and a zero-padded daily sequence', () => {
    expect(formatComplaintNumber('2026-11-23', 7)).toBe('C20261123-0007');
    expect(formatComplaintNumber('2026-11-23', 12345)).toBe('C20261123-12345');
    expect(COMPLAINT_NUMBER_PATTERN.test('C20261123-0007')).toBe(true);
    expect(COMPLAINT_NUMBER_PATTERN.test('../etc/passwd')).toBe(false);
  });
});
