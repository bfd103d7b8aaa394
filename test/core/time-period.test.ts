import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  findExclusionCycles,
  isWithinTimePeriod,
  nextTimePeriodChange,
  parseTimeRange,
  validateTimeZone,
  TIME_RANGE_PRECEDENCE,
  type DaySpec,
  type TimePeriod,
  type TimePeriodLookup,
  type TimeRange,
} from '#core/time-period.ts';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const MS_PER_DAY = 86_400_000;
const MON = 1;
const TUE = 2;
const THU = 4;
const FRI = 5;
const SUN = 0;

/** Minutes since midnight of 'HH:MM', so expectations read like the configuration. */
function hm(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

function times(...ranges: string[]): TimeRange['times'] {
  return ranges.map((range) => {
    const [start = '', end = ''] = range.split('-');
    return { startMinute: hm(start), endMinute: hm(end) };
  });
}

function parsed(text: string): TimeRange {
  const result = parseTimeRange(text);
  if (!result.ok) assert.fail(`'${text}' should parse: ${result.error.message} (column ${result.error.column})`);
  return result.range;
}

function period(name: string, ranges: string[], options: { excludes?: string[]; timeZone?: string } = {}): TimePeriod {
  return { name, ranges: ranges.map(parsed), excludes: options.excludes ?? [], timeZone: options.timeZone };
}

function lookupOf(periods: TimePeriod[]): TimePeriodLookup {
  const byName = new Map(periods.map((p) => [p.name, p]));
  return (name) => byName.get(name);
}

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The corpus's time ranges, exactly as base/timeperiods.xml writes them. */
const ALL_WEEK = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => `${d} 00:00-24:00`);
const WORKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];

function corpusPeriods(timeZone?: string): TimePeriod[] {
  const zone = timeZone === undefined ? {} : { timeZone };
  return [
    period(
      'uk-holidays',
      [
        'january 1 00:00-24:00',
        'april 3 00:00-24:00',
        'april 6 00:00-24:00',
        'monday 1 may 00:00-24:00',
        'monday -1 may 00:00-24:00',
        'monday -1 august 00:00-24:00',
        'december 25 00:00-24:00',
        'december 26 00:00-24:00',
      ],
      zone,
    ),
    period('24x7', ALL_WEEK, zone),
    period('24x7-except-uk-holidays', ALL_WEEK, { ...zone, excludes: ['uk-holidays'] }),
    period('uk-workhours', WORKDAYS.map((d) => `${d} 09:00-17:30`), { ...zone, excludes: ['uk-holidays'] }),
    period('weekends', ['saturday 00:00-24:00', 'sunday 00:00-24:00'], zone),
    period('weekdays', WORKDAYS.map((d) => `${d} 00:00-24:00`), zone),
    period('uk-outofhours', [], { ...zone, excludes: ['uk-workhours'] }),
  ];
}

const utcCorpus = corpusPeriods();
const londonCorpus = corpusPeriods('Europe/London');

function corpusPeriod(periods: TimePeriod[], name: string): TimePeriod {
  const found = periods.find((p) => p.name === name);
  assert.ok(found, `corpus period ${name}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

describe('parseTimeRange: accepted forms', () => {
  const scenarios: Array<{ text: string; days: DaySpec; times: TimeRange['times'] }> = [
    // Every form in Bergamot's base/timeperiods.xml.
    { text: 'monday 09:00-17:30', days: { kind: 'weekday', weekday: MON, skipDays: 1 }, times: times('09:00-17:30') },
    { text: 'sunday 00:00-24:00', days: { kind: 'weekday', weekday: SUN, skipDays: 1 }, times: times('00:00-24:00') },
    {
      text: 'january 1 00:00-24:00',
      days: { kind: 'month-date', start: { month: 1, day: 1 }, end: { month: 1, day: 1 }, skipDays: 1 },
      times: times('00:00-24:00'),
    },
    {
      text: 'december 25 00:00-24:00',
      days: { kind: 'month-date', start: { month: 12, day: 25 }, end: { month: 12, day: 25 }, skipDays: 1 },
      times: times('00:00-24:00'),
    },
    {
      text: 'monday 1 may 00:00-24:00',
      days: {
        kind: 'month-weekday',
        start: { weekday: MON, nth: 1, month: 5 },
        end: { weekday: MON, nth: 1, month: 5 },
        skipDays: 1,
      },
      times: times('00:00-24:00'),
    },
    {
      text: 'monday -1 august 00:00-24:00',
      days: {
        kind: 'month-weekday',
        start: { weekday: MON, nth: -1, month: 8 },
        end: { weekday: MON, nth: -1, month: 8 },
        skipDays: 1,
      },
      times: times('00:00-24:00'),
    },
    // Nagios forms.
    {
      text: 'monday 00:00-09:00,17:00-24:00',
      days: { kind: 'weekday', weekday: MON, skipDays: 1 },
      times: times('00:00-09:00', '17:00-24:00'),
    },
    {
      text: '  Monday   00:00 - 09:00 , 17:00-24:00  ',
      days: { kind: 'weekday', weekday: MON, skipDays: 1 },
      times: times('00:00-09:00', '17:00-24:00'),
    },
    { text: 'tuesday 9:00-17:00', days: { kind: 'weekday', weekday: TUE, skipDays: 1 }, times: times('09:00-17:00') },
    { text: 'monday 00:00-00:00', days: { kind: 'weekday', weekday: MON, skipDays: 1 }, times: times('00:00-00:00') },
    {
      text: '2025-12-25 00:00-24:00',
      days: {
        kind: 'calendar-date',
        start: { year: 2025, month: 12, day: 25 },
        end: { year: 2025, month: 12, day: 25 },
        skipDays: 1,
      },
      times: times('00:00-24:00'),
    },
    {
      text: '2025-12-24 - 2026-01-02 00:00-24:00',
      days: {
        kind: 'calendar-date',
        start: { year: 2025, month: 12, day: 24 },
        end: { year: 2026, month: 1, day: 2 },
        skipDays: 1,
      },
      times: times('00:00-24:00'),
    },
    {
      text: '2007-01-01 - 2008-02-01 / 3 00:00-24:00',
      days: {
        kind: 'calendar-date',
        start: { year: 2007, month: 1, day: 1 },
        end: { year: 2008, month: 2, day: 1 },
        skipDays: 3,
      },
      times: times('00:00-24:00'),
    },
    {
      text: '2026-01-01 / 7 00:00-24:00',
      days: { kind: 'calendar-date', start: { year: 2026, month: 1, day: 1 }, end: null, skipDays: 7 },
      times: times('00:00-24:00'),
    },
    { text: 'day 1 00:00-24:00', days: { kind: 'month-day', start: 1, end: 1, skipDays: 1 }, times: times('00:00-24:00') },
    { text: 'day -1 00:00-24:00', days: { kind: 'month-day', start: -1, end: -1, skipDays: 1 }, times: times('00:00-24:00') },
    { text: 'day 1 - 15 00:00-24:00', days: { kind: 'month-day', start: 1, end: 15, skipDays: 1 }, times: times('00:00-24:00') },
    { text: 'day 1-15 00:00-24:00', days: { kind: 'month-day', start: 1, end: 15, skipDays: 1 }, times: times('00:00-24:00') },
    { text: 'day 20 - -1 00:00-24:00', days: { kind: 'month-day', start: 20, end: -1, skipDays: 1 }, times: times('00:00-24:00') },
    {
      text: 'day 1 - 31 / 2 00:00-24:00',
      days: { kind: 'month-day', start: 1, end: 31, skipDays: 2 },
      times: times('00:00-24:00'),
    },
    {
      text: 'february -1 00:00-24:00',
      days: { kind: 'month-date', start: { month: 2, day: -1 }, end: { month: 2, day: -1 }, skipDays: 1 },
      times: times('00:00-24:00'),
    },
    {
      text: 'july 10 - 15 / 2 00:00-24:00',
      days: { kind: 'month-date', start: { month: 7, day: 10 }, end: { month: 7, day: 15 }, skipDays: 2 },
      times: times('00:00-24:00'),
    },
    {
      text: 'april 10 - may 15 00:00-24:00',
      days: { kind: 'month-date', start: { month: 4, day: 10 }, end: { month: 5, day: 15 }, skipDays: 1 },
      times: times('00:00-24:00'),
    },
    {
      text: 'monday 3 00:00-24:00',
      days: { kind: 'weekday-offset', start: { weekday: MON, nth: 3 }, end: { weekday: MON, nth: 3 }, skipDays: 1 },
      times: times('00:00-24:00'),
    },
    {
      text: 'monday 3 - thursday 4 / 2 00:00-24:00',
      days: { kind: 'weekday-offset', start: { weekday: MON, nth: 3 }, end: { weekday: THU, nth: 4 }, skipDays: 2 },
      times: times('00:00-24:00'),
    },
    {
      text: 'thursday -1 november 00:00-24:00',
      days: {
        kind: 'month-weekday',
        start: { weekday: THU, nth: -1, month: 11 },
        end: { weekday: THU, nth: -1, month: 11 },
        skipDays: 1,
      },
      times: times('00:00-24:00'),
    },
    {
      text: 'tuesday 1 april - friday 2 may 00:00-24:00',
      days: {
        kind: 'month-weekday',
        start: { weekday: TUE, nth: 1, month: 4 },
        end: { weekday: FRI, nth: 2, month: 5 },
        skipDays: 1,
      },
      times: times('00:00-24:00'),
    },
  ];

  for (const { text, days, times: expectedTimes } of scenarios) {
    test(text.trim(), () => {
      assert.deepEqual(parsed(text), { ...days, text: text.trim(), times: expectedTimes });
    });
  }

  test('parsed ranges survive a JSON round trip (they are stored as jsonb)', () => {
    const range = parsed('2026-01-01 / 7 00:00-24:00');
    assert.deepEqual(JSON.parse(JSON.stringify(range)), range);
  });
});

describe('parseTimeRange: errors say where and what is expected', () => {
  const scenarios: Array<{ text: string; column: number; message: string | RegExp }> = [
    {
      text: 'mondy 09:00-17:30',
      column: 1,
      message:
        "unknown day 'mondy': expected a weekday (monday..sunday), a month (january..december), 'day', or a date YYYY-MM-DD",
    },
    { text: '09:00-17:30', column: 1, message: /^expected a weekday .* before the time ranges/ },
    { text: 'monday', column: 7, message: /^expected a time range HH:MM-HH:MM/ },
    { text: 'monday 09:00', column: 8, message: /^expected a time range HH:MM-HH:MM.*found '09:00'/ },
    { text: 'monday 09:00-17:60', column: 17, message: 'minute 60 is out of range: expected 00..59' },
    { text: 'monday 25:00-26:00', column: 8, message: /^time 25:00 is out of range/ },
    { text: 'monday 09:00-24:30', column: 14, message: /^time 24:30 is out of range/ },
    { text: 'monday 24:00-24:00', column: 8, message: /^24:00 is the end of the day/ },
    { text: 'monday 17:30-09:00', column: 8, message: /ends before it starts.*split one that crosses midnight/ },
    { text: 'monday 09:00-17:30,', column: 20, message: /^expected a time range/ },
    { text: 'monday 09:00-17:30 extra', column: 20, message: /^unexpected 'extra' after the time ranges/ },
    { text: 'monday 09:00-12:00; 13:00-17:00', column: 19, message: /^unexpected ';/ },
    { text: 'day 0 00:00-24:00', column: 5, message: /^day 0 is out of range: expected 1..31/ },
    { text: 'day 32 00:00-24:00', column: 5, message: /^day 32 is out of range/ },
    { text: 'day 00:00-24:00', column: 5, message: /^expected a day number after 'day'/ },
    { text: 'day 1 - 00:00-24:00', column: 9, message: /^expected an end day number after '-'/ },
    { text: 'february 30 00:00-24:00', column: 10, message: /^day 30 is out of range for february: expected 1..29/ },
    { text: 'april -31 00:00-24:00', column: 7, message: /^day -31 is out of range for april/ },
    { text: 'monday 6 may 00:00-24:00', column: 8, message: /^weekday number 6 is out of range: expected 1..5/ },
    { text: 'monday 0 00:00-24:00', column: 8, message: /^weekday number 0 is out of range/ },
    { text: 'monday 1 mai 00:00-24:00', column: 10, message: "unknown month 'mai': expected january..december" },
    { text: 'monday 3 - thursdy 4 00:00-24:00', column: 12, message: "unknown weekday 'thursdy': expected monday..sunday" },
    { text: 'tuesday 1 april - friday 2 00:00-24:00', column: 28, message: /^expected a month after the weekday/ },
    { text: '2025-02-29 00:00-24:00', column: 1, message: /^no such date 2025-02-29/ },
    { text: '2025-13-01 00:00-24:00', column: 1, message: /^no such date 2025-13-01/ },
    { text: '2026-01-02 - 2025-12-24 00:00-24:00', column: 14, message: /^end date 2025-12-24 is before start date 2026-01-02/ },
    { text: '2025-12-24 - day 00:00-24:00', column: 14, message: /^expected an end date YYYY-MM-DD after '-', found 'day'/ },
    { text: 'monday / 2 00:00-24:00', column: 8, message: /^'\/ N' cannot apply to a plain weekday/ },
    { text: 'day 1 / 2 00:00-24:00', column: 7, message: /^'\/ N' needs a range of days/ },
    { text: 'day 1 - 15 / 0 00:00-24:00', column: 14, message: /^skip of 0 days: expected a whole number of days, 1 or more/ },
    { text: 'day 1 - 15 / 00:00-24:00', column: 14, message: /^expected a number of days after '\/'/ },
    { text: '15 january 00:00-24:00', column: 1, message: /^unexpected '15': expected a weekday/ },
    { text: 'monday 1 may 2 00:00-24:00', column: 14, message: /^unexpected '2': expected a time range/ },
    { text: 'monday # 09:00-17:30', column: 8, message: /^unexpected '#'/ },
  ];

  for (const { text, column, message } of scenarios) {
    test(`${text} -> column ${column}`, () => {
      const result = parseTimeRange(text);
      assert.equal(result.ok, false, `'${text}' should not parse`);
      if (result.ok) return;
      if (typeof message === 'string') assert.equal(result.error.message, message);
      else assert.match(result.error.message, message);
      assert.equal(result.error.column, column, result.error.message);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Membership
// ---------------------------------------------------------------------------------------------

interface MembershipScenario {
  name: string;
  ranges: string[];
  at: string;
  expected: boolean;
}

function membershipTable(title: string, scenarios: MembershipScenario[]): void {
  describe(title, () => {
    for (const scenario of scenarios) {
      test(`${scenario.name} at ${scenario.at} -> ${scenario.expected}`, () => {
        const p = period('p', scenario.ranges);
        assert.equal(isWithinTimePeriod(p, at(scenario.at), lookupOf([p])), scenario.expected);
      });
    }
  });
}

const WORK = WORKDAYS.map((d) => `${d} 09:00-17:30`);

membershipTable('isWithinTimePeriod: weekday hours (UTC)', [
  { name: 'workhours, start is inclusive', ranges: WORK, at: '2025-06-02T09:00:00Z', expected: true },
  { name: 'workhours, a second before the start', ranges: WORK, at: '2025-06-02T08:59:59Z', expected: false },
  { name: 'workhours, a second before the end', ranges: WORK, at: '2025-06-02T17:29:59.999Z', expected: true },
  { name: 'workhours, end is exclusive', ranges: WORK, at: '2025-06-02T17:30:00Z', expected: false },
  { name: 'workhours on a Saturday', ranges: WORK, at: '2025-06-07T12:00:00Z', expected: false },
  { name: '24:00 end covers the last second', ranges: ALL_WEEK, at: '2025-06-01T23:59:59.999Z', expected: true },
  { name: '24:00 end hands over to the next day', ranges: ALL_WEEK, at: '2025-06-02T00:00:00Z', expected: true },
  { name: 'split hours, before the gap', ranges: ['monday 00:00-09:00,17:00-24:00'], at: '2025-06-02T08:59:00Z', expected: true },
  { name: 'split hours, in the gap', ranges: ['monday 00:00-09:00,17:00-24:00'], at: '2025-06-02T09:00:00Z', expected: false },
  { name: 'split hours, after the gap', ranges: ['monday 00:00-09:00,17:00-24:00'], at: '2025-06-02T17:00:00Z', expected: true },
  { name: 'an empty range never matches', ranges: ['monday 00:00-00:00'], at: '2025-06-02T00:00:00Z', expected: false },
]);

membershipTable('isWithinTimePeriod: dates and days of months (UTC)', [
  { name: 'first Monday of May 2025', ranges: ['monday 1 may 00:00-24:00'], at: '2025-05-05T12:00:00Z', expected: true },
  { name: 'second Monday of May 2025', ranges: ['monday 1 may 00:00-24:00'], at: '2025-05-12T12:00:00Z', expected: false },
  { name: 'last Monday of May 2025', ranges: ['monday -1 may 00:00-24:00'], at: '2025-05-26T12:00:00Z', expected: true },
  { name: 'last Monday of August 2025', ranges: ['monday -1 august 00:00-24:00'], at: '2025-08-25T00:00:00Z', expected: true },
  { name: 'Monday before the last of August', ranges: ['monday -1 august 00:00-24:00'], at: '2025-08-18T12:00:00Z', expected: false },
  { name: 'last Thursday of November', ranges: ['thursday -1 november 00:00-24:00'], at: '2025-11-27T12:00:00Z', expected: true },
  { name: 'third Monday of every month', ranges: ['monday 3 00:00-24:00'], at: '2025-06-16T12:00:00Z', expected: true },
  { name: 'second-to-last Friday', ranges: ['friday -2 00:00-24:00'], at: '2025-06-20T12:00:00Z', expected: true },
  { name: 'no fifth Monday in May 2025: not the fourth', ranges: ['monday 5 00:00-24:00'], at: '2025-05-26T12:00:00Z', expected: false },
  { name: 'fifth Monday in March 2025', ranges: ['monday 5 00:00-24:00'], at: '2025-03-31T12:00:00Z', expected: true },
  { name: 'december 25', ranges: ['december 25 00:00-24:00'], at: '2025-12-25T23:59:59Z', expected: true },
  { name: 'day -1 in a leap February', ranges: ['day -1 00:00-24:00'], at: '2024-02-29T12:00:00Z', expected: true },
  { name: 'day -1 is not Feb 28 of a leap year', ranges: ['day -1 00:00-24:00'], at: '2024-02-28T12:00:00Z', expected: false },
  { name: 'day -1 in a common February', ranges: ['day -1 00:00-24:00'], at: '2025-02-28T12:00:00Z', expected: true },
  { name: 'february -1 in a leap year', ranges: ['february -1 00:00-24:00'], at: '2024-02-29T12:00:00Z', expected: true },
  { name: 'february 29 skips common years', ranges: ['february 29 00:00-24:00'], at: '2025-03-01T12:00:00Z', expected: false },
  { name: 'day 31 skips 30-day months', ranges: ['day 31 00:00-24:00'], at: '2025-05-01T12:00:00Z', expected: false },
  { name: 'day 1 - 15, inside', ranges: ['day 1 - 15 00:00-24:00'], at: '2025-06-15T12:00:00Z', expected: true },
  { name: 'day 1 - 15, after', ranges: ['day 1 - 15 00:00-24:00'], at: '2025-06-16T12:00:00Z', expected: false },
  { name: 'day 20 - -1, last day', ranges: ['day 20 - -1 00:00-24:00'], at: '2025-06-30T12:00:00Z', expected: true },
  { name: 'day 20 - -1, before', ranges: ['day 20 - -1 00:00-24:00'], at: '2025-06-19T12:00:00Z', expected: false },
  { name: 'day 25 - 5 wraps into the next month', ranges: ['day 25 - 5 00:00-24:00'], at: '2025-07-03T12:00:00Z', expected: true },
  { name: 'day 1 - 31 / 2 on the 1st', ranges: ['day 1 - 31 / 2 00:00-24:00'], at: '2025-03-01T12:00:00Z', expected: true },
  { name: 'day 1 - 31 / 2 on the 2nd', ranges: ['day 1 - 31 / 2 00:00-24:00'], at: '2025-03-02T12:00:00Z', expected: false },
  { name: 'day 1 - 31 / 2 on the 31st', ranges: ['day 1 - 31 / 2 00:00-24:00'], at: '2025-03-31T12:00:00Z', expected: true },
  { name: 'day 1 - 31 / 2 restarts monthly', ranges: ['day 1 - 31 / 2 00:00-24:00'], at: '2025-04-01T12:00:00Z', expected: true },
  { name: 'day 1 - 31 ends on April 30', ranges: ['day 1 - 31 00:00-24:00'], at: '2025-04-30T12:00:00Z', expected: true },
  { name: 'july 10 - 15 / 2 on the 12th', ranges: ['july 10 - 15 / 2 00:00-24:00'], at: '2025-07-12T12:00:00Z', expected: true },
  { name: 'july 10 - 15 / 2 on the 13th', ranges: ['july 10 - 15 / 2 00:00-24:00'], at: '2025-07-13T12:00:00Z', expected: false },
  { name: 'april 10 - may 15, in May', ranges: ['april 10 - may 15 00:00-24:00'], at: '2025-05-15T12:00:00Z', expected: true },
  { name: 'december 20 - january 5 wraps the year', ranges: ['december 20 - january 5 00:00-24:00'], at: '2026-01-03T12:00:00Z', expected: true },
  { name: 'december 20 - january 5, after', ranges: ['december 20 - january 5 00:00-24:00'], at: '2026-01-06T12:00:00Z', expected: false },
  { name: '3rd Monday - 4th Thursday, start', ranges: ['monday 3 - thursday 4 00:00-24:00'], at: '2025-06-16T00:00:00Z', expected: true },
  { name: '3rd Monday - 4th Thursday, end', ranges: ['monday 3 - thursday 4 00:00-24:00'], at: '2025-06-26T12:00:00Z', expected: true },
  { name: '3rd Monday - 4th Thursday, after', ranges: ['monday 3 - thursday 4 00:00-24:00'], at: '2025-06-27T12:00:00Z', expected: false },
  { name: '3rd Monday - 4th Thursday, before', ranges: ['monday 3 - thursday 4 00:00-24:00'], at: '2025-06-15T12:00:00Z', expected: false },
  { name: '1st Tue April - 2nd Fri May, end', ranges: ['tuesday 1 april - friday 2 may 00:00-24:00'], at: '2025-05-09T12:00:00Z', expected: true },
  { name: '1st Tue April - 2nd Fri May, after', ranges: ['tuesday 1 april - friday 2 may 00:00-24:00'], at: '2025-05-10T12:00:00Z', expected: false },
  { name: 'calendar date', ranges: ['2025-12-25 00:00-24:00'], at: '2025-12-25T12:00:00Z', expected: true },
  { name: 'calendar date, next year', ranges: ['2025-12-25 00:00-24:00'], at: '2026-12-25T12:00:00Z', expected: false },
  { name: 'calendar range, first day', ranges: ['2025-12-24 - 2026-01-02 00:00-24:00'], at: '2025-12-24T00:00:00Z', expected: true },
  { name: 'calendar range, last day', ranges: ['2025-12-24 - 2026-01-02 00:00-24:00'], at: '2026-01-02T23:59:00Z', expected: true },
  { name: 'calendar range, after', ranges: ['2025-12-24 - 2026-01-02 00:00-24:00'], at: '2026-01-03T00:00:00Z', expected: false },
  { name: 'every 7 days from 2026-01-01, day 0', ranges: ['2026-01-01 / 7 00:00-24:00'], at: '2026-01-01T12:00:00Z', expected: true },
  { name: 'every 7 days from 2026-01-01, day 7', ranges: ['2026-01-01 / 7 00:00-24:00'], at: '2026-01-08T12:00:00Z', expected: true },
  { name: 'every 7 days from 2026-01-01, day 1', ranges: ['2026-01-01 / 7 00:00-24:00'], at: '2026-01-02T12:00:00Z', expected: false },
  { name: 'every 7 days from 2026-01-01, forever', ranges: ['2026-01-01 / 7 00:00-24:00'], at: '2026-12-31T12:00:00Z', expected: true },
  { name: 'every 7 days from 2026-01-01, not before', ranges: ['2026-01-01 / 7 00:00-24:00'], at: '2025-12-25T12:00:00Z', expected: false },
]);

describe('isWithinTimePeriod: Nagios precedence, the most specific kind of range wins the day', () => {
  // 2025-12-01 is a Monday, the first of the month: every kind of range can name it. Each kind
  // gets its own hour; the answer shows which kind decided the day.
  const ladder: Array<{ kind: string; text: string; hour: string }> = [
    { kind: 'calendar-date', text: '2025-12-01 10:00-11:00', hour: '10' },
    { kind: 'month-date', text: 'december 1 11:00-12:00', hour: '11' },
    { kind: 'month-day', text: 'day 1 12:00-13:00', hour: '12' },
    { kind: 'month-weekday', text: 'monday 1 december 13:00-14:00', hour: '13' },
    { kind: 'weekday-offset', text: 'monday 1 14:00-15:00', hour: '14' },
    { kind: 'weekday', text: 'monday 15:00-16:00', hour: '15' },
  ];

  test('the ladder is the documented order', () => {
    assert.deepEqual(TIME_RANGE_PRECEDENCE, ladder.map((rung) => rung.kind));
  });

  for (const [index, rung] of ladder.entries()) {
    test(`with ${rung.kind} and everything less specific, only ${rung.kind} counts`, () => {
      const p = period('p', ladder.slice(index).map((r) => r.text));
      const lookup = lookupOf([p]);
      for (const other of ladder) {
        const within = isWithinTimePeriod(p, at(`2025-12-01T${other.hour}:30:00Z`), lookup);
        assert.equal(within, other === rung, `${other.hour}:30 with ${rung.kind} in charge`);
      }
    });
  }

  test('00:00-00:00 on a date switches a weekday off for that day only', () => {
    const p = period('p', ['monday 09:00-17:00', '2025-06-02 00:00-00:00']);
    const lookup = lookupOf([p]);
    assert.equal(isWithinTimePeriod(p, at('2025-06-02T10:00:00Z'), lookup), false);
    assert.equal(isWithinTimePeriod(p, at('2025-06-09T10:00:00Z'), lookup), true);
  });

  test('ranges of the same kind on the same day add up', () => {
    const p = period('p', ['monday 09:00-12:00', 'monday 13:00-17:00']);
    const lookup = lookupOf([p]);
    assert.equal(isWithinTimePeriod(p, at('2025-06-02T10:00:00Z'), lookup), true);
    assert.equal(isWithinTimePeriod(p, at('2025-06-02T12:30:00Z'), lookup), false);
    assert.equal(isWithinTimePeriod(p, at('2025-06-02T14:00:00Z'), lookup), true);
  });

  test('a more specific range on another day leaves this day to the weekday', () => {
    const p = period('p', ['monday 09:00-17:00', 'day 2 00:00-00:00']);
    assert.equal(isWithinTimePeriod(p, at('2025-06-09T10:00:00Z'), lookupOf([p])), true);
  });
});

describe('isWithinTimePeriod: excludes and the corpus periods', () => {
  const lookup = lookupOf(utcCorpus);
  const scenarios: Array<{ period: string; at: string; expected: boolean }> = [
    { period: '24x7-except-uk-holidays', at: '2025-12-25T12:00:00Z', expected: false },
    { period: '24x7-except-uk-holidays', at: '2025-12-24T12:00:00Z', expected: true },
    { period: '24x7-except-uk-holidays', at: '2025-01-01T00:00:00Z', expected: false },
    { period: '24x7', at: '2025-12-25T12:00:00Z', expected: true },
    { period: 'uk-holidays', at: '2025-05-05T12:00:00Z', expected: true },
    { period: 'uk-holidays', at: '2025-08-25T12:00:00Z', expected: true },
    { period: 'uk-workhours', at: '2025-06-02T10:00:00Z', expected: true },
    { period: 'uk-workhours', at: '2025-08-25T10:00:00Z', expected: false },
    { period: 'weekends', at: '2025-06-07T10:00:00Z', expected: true },
    { period: 'weekdays', at: '2025-06-07T10:00:00Z', expected: false },
    // uk-outofhours has no ranges, only excludes="uk-workhours": the inverse of workhours.
    { period: 'uk-outofhours', at: '2025-06-02T10:00:00Z', expected: false },
    { period: 'uk-outofhours', at: '2025-06-02T08:59:00Z', expected: true },
    { period: 'uk-outofhours', at: '2025-06-02T17:30:00Z', expected: true },
    { period: 'uk-outofhours', at: '2025-06-07T10:00:00Z', expected: true },
    // Workhours exclude holidays, so a bank holiday Monday morning is out of hours.
    { period: 'uk-outofhours', at: '2025-08-25T10:00:00Z', expected: true },
  ];
  for (const scenario of scenarios) {
    test(`${scenario.period} at ${scenario.at} -> ${scenario.expected}`, () => {
      const p = corpusPeriod(utcCorpus, scenario.period);
      assert.equal(isWithinTimePeriod(p, at(scenario.at), lookup), scenario.expected);
    });
  }

  test('a period with neither ranges nor excludes never matches, as in Nagios', () => {
    const empty = period('empty', []);
    assert.equal(isWithinTimePeriod(empty, at('2025-06-02T10:00:00Z'), lookupOf([empty])), false);
  });

  test('an exclude naming an unknown period excludes nothing', () => {
    const p = period('p', ALL_WEEK, { excludes: ['no-such-period'] });
    assert.equal(isWithinTimePeriod(p, at('2025-06-02T10:00:00Z'), lookupOf([p])), true);
  });
});

describe('isWithinTimePeriod: time zones', () => {
  const lookup = lookupOf(londonCorpus);
  const workhours = corpusPeriod(londonCorpus, 'uk-workhours');
  const scenarios: Array<{ what: string; at: string; expected: boolean }> = [
    { what: '09:00 BST is 08:00 UTC', at: '2025-06-02T08:00:00Z', expected: true },
    { what: '08:59 BST', at: '2025-06-02T07:59:00Z', expected: false },
    { what: '17:29 BST', at: '2025-06-02T16:29:59Z', expected: true },
    { what: '17:30 BST is 16:30 UTC', at: '2025-06-02T16:30:00Z', expected: false },
    { what: '09:00 GMT in winter is 09:00 UTC', at: '2025-12-01T09:00:00Z', expected: true },
    { what: '08:59 GMT', at: '2025-12-01T08:59:00Z', expected: false },
    { what: 'bank holiday Monday in London', at: '2025-08-25T08:30:00Z', expected: false },
  ];
  for (const scenario of scenarios) {
    test(`uk-workhours in Europe/London: ${scenario.what}`, () => {
      assert.equal(isWithinTimePeriod(workhours, at(scenario.at), lookup), scenario.expected);
    });
  }

  test('the day of a zone decides the date: 23:30 UTC on Dec 24 is Christmas Day in Tokyo', () => {
    const christmas = period('christmas', ['december 25 00:00-24:00'], { timeZone: 'Asia/Tokyo' });
    assert.equal(isWithinTimePeriod(christmas, at('2025-12-24T15:00:00Z'), lookupOf([christmas])), true);
    assert.equal(isWithinTimePeriod(christmas, at('2025-12-24T14:59:59Z'), lookupOf([christmas])), false);
  });

  test('an excluded period is judged in its own zone', () => {
    const tokyoMonday = period('tokyo-monday', ['monday 00:00-24:00'], { timeZone: 'Asia/Tokyo' });
    const london = period('london', ALL_WEEK, { timeZone: 'Europe/London', excludes: ['tokyo-monday'] });
    const lookupBoth = lookupOf([tokyoMonday, london]);
    // Sunday 2025-06-01 15:00 UTC is Sunday 16:00 in London and Monday 00:00 in Tokyo.
    assert.equal(isWithinTimePeriod(london, at('2025-06-01T14:59:59Z'), lookupBoth), true);
    assert.equal(isWithinTimePeriod(london, at('2025-06-01T15:00:00Z'), lookupBoth), false);
  });
});

describe('isWithinTimePeriod: DST transition days in Europe/London', () => {
  const zone = { timeZone: 'Europe/London' };
  // 2025-03-30: clocks go from 01:00 GMT to 02:00 BST. 2025-10-26: from 02:00 BST back to 01:00 GMT.
  const scenarios: Array<{ what: string; ranges: string[]; at: string; expected: boolean }> = [
    { what: 'spring: 01:00-02:00 does not exist, 00:59 GMT', ranges: ['sunday 01:00-02:00'], at: '2025-03-30T00:59:59Z', expected: false },
    { what: 'spring: 01:00-02:00 does not exist, 02:00 BST', ranges: ['sunday 01:00-02:00'], at: '2025-03-30T01:00:00Z', expected: false },
    { what: 'spring: 02:30 BST is 01:30 UTC', ranges: ['sunday 00:00-03:00'], at: '2025-03-30T01:30:00Z', expected: true },
    { what: 'spring: 03:00 BST is 02:00 UTC', ranges: ['sunday 00:00-03:00'], at: '2025-03-30T02:00:00Z', expected: false },
    { what: 'spring: the 23-hour Sunday starts at 00:00 UTC', ranges: ['sunday 00:00-24:00'], at: '2025-03-30T00:00:00Z', expected: true },
    { what: 'spring: the 23-hour Sunday ends at 23:00 UTC', ranges: ['sunday 00:00-24:00'], at: '2025-03-30T22:59:59Z', expected: true },
    { what: 'spring: Monday begins at 23:00 UTC', ranges: ['sunday 00:00-24:00'], at: '2025-03-30T23:00:00Z', expected: false },
    { what: 'autumn: first 01:00 (BST)', ranges: ['sunday 01:00-02:00'], at: '2025-10-26T00:00:00Z', expected: true },
    { what: 'autumn: first 01:59 (BST)', ranges: ['sunday 01:00-02:00'], at: '2025-10-26T00:59:59Z', expected: true },
    { what: 'autumn: second 01:00 (GMT)', ranges: ['sunday 01:00-02:00'], at: '2025-10-26T01:00:00Z', expected: true },
    { what: 'autumn: 02:00 GMT', ranges: ['sunday 01:00-02:00'], at: '2025-10-26T02:00:00Z', expected: false },
    { what: 'autumn: the 25-hour Sunday starts at 23:00 UTC Saturday', ranges: ['sunday 00:00-24:00'], at: '2025-10-25T23:00:00Z', expected: true },
    { what: 'autumn: Saturday ends at 23:00 UTC', ranges: ['sunday 00:00-24:00'], at: '2025-10-25T22:59:59Z', expected: false },
    { what: 'autumn: the 25-hour Sunday ends at 24:00 UTC', ranges: ['sunday 00:00-24:00'], at: '2025-10-26T23:59:59Z', expected: true },
    { what: 'autumn: Monday begins at 00:00 UTC', ranges: ['sunday 00:00-24:00'], at: '2025-10-27T00:00:00Z', expected: false },
  ];
  for (const scenario of scenarios) {
    test(`${scenario.what} (${scenario.ranges.join(', ')} at ${scenario.at}) -> ${scenario.expected}`, () => {
      const p = period('p', scenario.ranges, zone);
      assert.equal(isWithinTimePeriod(p, at(scenario.at), lookupOf([p])), scenario.expected);
    });
  }
});

describe('validateTimeZone', () => {
  const scenarios: Array<{ name: string; expected: ReturnType<typeof validateTimeZone> }> = [
    { name: 'Europe/London', expected: { ok: true, timeZone: 'Europe/London' } },
    { name: 'UTC', expected: { ok: true, timeZone: 'UTC' } },
    { name: 'europe/london', expected: { ok: true, timeZone: 'Europe/London' } },
    {
      name: 'Europe/Londn',
      expected: {
        ok: false,
        error: { message: "unknown time zone 'Europe/Londn': expected an IANA name such as 'Europe/London' or 'UTC'" },
      },
    },
    {
      name: '',
      expected: { ok: false, error: { message: "unknown time zone '': expected an IANA name such as 'Europe/London' or 'UTC'" } },
    },
  ];
  for (const { name, expected } of scenarios) {
    test(`'${name}' -> ${expected.ok ? 'valid' : 'invalid'}`, () => {
      assert.deepEqual(validateTimeZone(name), expected);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Exclusion cycles
// ---------------------------------------------------------------------------------------------

describe('exclusion cycles', () => {
  test('the corpus has none', () => {
    assert.deepEqual(findExclusionCycles(utcCorpus), []);
  });

  const scenarios: Array<{ what: string; periods: TimePeriod[]; expected: string[][] }> = [
    {
      what: 'two periods excluding each other',
      periods: [period('b', ALL_WEEK, { excludes: ['a'] }), period('a', ALL_WEEK, { excludes: ['b'] })],
      expected: [['a', 'b']],
    },
    { what: 'a period excluding itself', periods: [period('c', ALL_WEEK, { excludes: ['c'] })], expected: [['c']] },
    {
      what: 'a three-period loop beside a chain',
      periods: [
        period('x', ALL_WEEK, { excludes: ['y'] }),
        period('y', ALL_WEEK, { excludes: ['z', 'free'] }),
        period('z', ALL_WEEK, { excludes: ['x'] }),
        period('free', ALL_WEEK, { excludes: ['unknown'] }),
      ],
      expected: [['x', 'y', 'z']],
    },
  ];
  for (const { what, periods, expected } of scenarios) {
    test(`found: ${what}`, () => {
      assert.deepEqual(findExclusionCycles(periods), expected);
    });
  }

  test('evaluation terminates, ignoring the exclude that closes the loop', () => {
    const a = period('a', ALL_WEEK, { excludes: ['b'] });
    const b = period('b', ['monday 00:00-24:00'], { excludes: ['a'] });
    const lookup = lookupOf([a, b]);
    // From a: b applies, and b's exclude of a (back into a) is ignored.
    assert.equal(isWithinTimePeriod(a, at('2025-06-02T10:00:00Z'), lookup), false);
    assert.equal(isWithinTimePeriod(a, at('2025-06-03T10:00:00Z'), lookup), true);
    // From b: a applies and removes all of b.
    assert.equal(isWithinTimePeriod(b, at('2025-06-02T10:00:00Z'), lookup), false);
    assert.equal(nextTimePeriodChange(a, at('2025-06-02T10:00:00Z'), lookup, 7 * MS_PER_DAY), at('2025-06-03T00:00:00Z'));
  });

  test('a self-excluding period is judged by its ranges', () => {
    const c = period('c', ['monday 09:00-17:00'], { excludes: ['c'] });
    assert.equal(isWithinTimePeriod(c, at('2025-06-02T10:00:00Z'), lookupOf([c])), true);
  });
});

// ---------------------------------------------------------------------------------------------
// Next change
// ---------------------------------------------------------------------------------------------

describe('nextTimePeriodChange', () => {
  const WEEK_MS = 7 * MS_PER_DAY;
  const london = lookupOf(londonCorpus);
  const scenarios: Array<{ what: string; period: TimePeriod; lookup: TimePeriodLookup; from: string; horizonMs: number; expected: string | null }> = [
    {
      what: 'workhours open at 09:00 BST',
      period: corpusPeriod(londonCorpus, 'uk-workhours'),
      lookup: london,
      from: '2025-06-02T07:00:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-06-02T08:00:00.000Z',
    },
    {
      what: 'from a fraction of a second before the boundary',
      period: corpusPeriod(londonCorpus, 'uk-workhours'),
      lookup: london,
      from: '2025-06-02T07:59:59.500Z',
      horizonMs: WEEK_MS,
      expected: '2025-06-02T08:00:00.000Z',
    },
    {
      what: 'at the boundary itself, the next one',
      period: corpusPeriod(londonCorpus, 'uk-workhours'),
      lookup: london,
      from: '2025-06-02T08:00:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-06-02T16:30:00.000Z',
    },
    {
      what: 'Friday close to Monday open',
      period: corpusPeriod(londonCorpus, 'uk-workhours'),
      lookup: london,
      from: '2025-06-06T16:30:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-06-09T08:00:00.000Z',
    },
    {
      what: 'beyond the horizon',
      period: corpusPeriod(londonCorpus, 'uk-workhours'),
      lookup: london,
      from: '2025-06-06T16:30:00Z',
      horizonMs: MS_PER_DAY,
      expected: null,
    },
    {
      what: 'bank holiday Monday is skipped',
      period: corpusPeriod(londonCorpus, 'uk-workhours'),
      lookup: london,
      from: '2025-08-22T16:30:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-08-26T08:00:00.000Z',
    },
    {
      what: 'out of hours closes when workhours open',
      period: corpusPeriod(londonCorpus, 'uk-outofhours'),
      lookup: london,
      from: '2025-06-02T07:00:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-06-02T08:00:00.000Z',
    },
    {
      what: 'adjacent days of 24x7 never change',
      period: corpusPeriod(londonCorpus, '24x7'),
      lookup: london,
      from: '2025-03-29T00:00:00Z',
      horizonMs: 30 * MS_PER_DAY,
      expected: null,
    },
    {
      what: 'Sunday opens at local midnight before the spring change',
      period: period('sunday', ['sunday 00:00-24:00'], { timeZone: 'Europe/London' }),
      lookup: london,
      from: '2025-03-29T12:00:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-03-30T00:00:00.000Z',
    },
    {
      what: 'the 23-hour Sunday closes at 23:00 UTC',
      period: period('sunday', ['sunday 00:00-24:00'], { timeZone: 'Europe/London' }),
      lookup: london,
      from: '2025-03-30T00:00:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-03-30T23:00:00.000Z',
    },
    {
      what: 'a range whose start the spring jump skips opens at the jump',
      period: period('early', ['sunday 01:30-03:00'], { timeZone: 'Europe/London' }),
      lookup: london,
      from: '2025-03-30T00:00:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-03-30T01:00:00.000Z',
    },
    {
      what: 'an excluded period in another zone',
      period: period('london', ALL_WEEK, { timeZone: 'Europe/London', excludes: ['tokyo-monday'] }),
      lookup: lookupOf([period('tokyo-monday', ['monday 00:00-24:00'], { timeZone: 'Asia/Tokyo' })]),
      from: '2025-06-01T12:00:00Z',
      horizonMs: WEEK_MS,
      expected: '2025-06-01T15:00:00.000Z',
    },
  ];
  for (const scenario of scenarios) {
    test(`${scenario.what}: from ${scenario.from} -> ${scenario.expected}`, () => {
      const next = nextTimePeriodChange(scenario.period, at(scenario.from), scenario.lookup, scenario.horizonMs);
      assert.equal(iso(next), scenario.expected);
    });
  }

  test('the autumn repeated hour: 01:30-02:00 happens twice', () => {
    const p = period('late', ['sunday 01:30-02:00'], { timeZone: 'Europe/London' });
    const changes = changesBetween(p, lookupOf([p]), '2025-10-26T00:00:00Z', '2025-10-26T12:00:00Z');
    assert.deepEqual(changes, [
      '2025-10-26T00:30:00.000Z', // 01:30 BST: opens
      '2025-10-26T01:00:00.000Z', // 02:00 BST becomes 01:00 GMT: closes
      '2025-10-26T01:30:00.000Z', // 01:30 GMT: opens again
      '2025-10-26T02:00:00.000Z', // 02:00 GMT: closes
    ]);
  });

  test('agrees with a minute-by-minute scan across both London DST weeks', () => {
    for (const [from, to] of [
      ['2025-03-27T00:00:00Z', '2025-04-02T00:00:00Z'],
      ['2025-10-23T00:00:00Z', '2025-10-29T00:00:00Z'],
    ] as const) {
      const periods = [
        ...londonCorpus,
        period('night', ['sunday 00:30-02:30,23:00-24:00', 'day -1 01:15-01:45'], { timeZone: 'Europe/London', excludes: ['uk-holidays'] }),
      ];
      const lookup = lookupOf(periods);
      for (const p of periods) {
        assert.deepEqual(changesBetween(p, lookup, from, to), scanMinutes(p, lookup, from, to), `${p.name} ${from}`);
      }
    }
  });
});

/** Follows nextTimePeriodChange from `from` until `to`. */
function changesBetween(p: TimePeriod, lookup: TimePeriodLookup, from: string, to: string): string[] {
  const changes: string[] = [];
  const endMs = at(to);
  for (let next = nextTimePeriodChange(p, at(from), lookup, endMs - at(from)); next !== null; ) {
    changes.push(new Date(next).toISOString());
    next = nextTimePeriodChange(p, next, lookup, endMs - next);
  }
  return changes;
}

/** The slow, obviously right answer: look at every minute. */
function scanMinutes(p: TimePeriod, lookup: TimePeriodLookup, from: string, to: string): string[] {
  const changes: string[] = [];
  let previous = isWithinTimePeriod(p, at(from), lookup);
  for (let ms = at(from) + 60_000; ms <= at(to); ms += 60_000) {
    const now = isWithinTimePeriod(p, ms, lookup);
    if (now !== previous) changes.push(new Date(ms).toISOString());
    previous = now;
  }
  return changes;
}
