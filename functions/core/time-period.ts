/**
 * Time periods: when checks may run and notifications may go out, written in the grammar of
 * Nagios timeperiod definitions, which is what Bergamot's `<time-range>` elements contain:
 *
 * ```xml
 * <time-period name="uk-workhours" excludes="uk-holidays">
 *   <time-range>monday 09:00-17:30</time-range>
 *   <time-range>monday -1 august 00:00-24:00</time-range>
 * </time-period>
 * ```
 *
 * Pure arithmetic: no I/O and nothing beyond `Intl`, so the scheduler, the API and the
 * configuration validator share one definition of "is it working hours?".
 *
 * Semantics, and where they differ from Nagios:
 * - Times are wall-clock times in the period's IANA time zone (UTC when absent). On a DST day a
 *   wall-clock hour can be missing or happen twice; a range matches whatever the clock shows.
 * - For any one day only the most specific kind of range that covers that day counts (Nagios
 *   precedence, see {@link TIME_RANGE_PRECEDENCE}): `2025-12-25 00:00-00:00` switches a Thursday
 *   off even though `thursday 09:00-17:30` exists. Nagios takes the first matching range of that
 *   kind; we take the union of all of them, which only differs when two ranges of the same kind
 *   cover the same day, and then the union is what a reader of the configuration expects.
 * - A period with no ranges but some excludes is "all the time except the excludes": Bergamot's
 *   corpus defines `uk-outofhours` that way ("Inverse of workhours"). With neither it never matches,
 *   as in Nagios.
 * - Excluded periods are whole periods: their own zone and their own excludes apply. An exclude
 *   that leads back into a period already being evaluated is ignored, so cycles terminate; use
 *   {@link findExclusionCycles} to report them at validation time. Unknown names exclude nothing.
 */

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/** Minutes from local midnight to local midnight: 24:00 is a valid end. */
const MINUTES_PER_DAY = 24 * 60;
const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_DAY = 24 * 60 * MS_PER_MINUTE;

/** Index = `Date#getUTCDay()` (0 = Sunday), which is also how {@link TimeRange} stores weekdays. */
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
/** Index + 1 = month number (1 = January). */
const MONTH_NAMES = [
  'january', 'february', 'march', 'april', 'may', 'june',
  'july', 'august', 'september', 'october', 'november', 'december',
] as const;
/** Longest each month can be (February in a leap year), to reject `february 30` at parse time. */
const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
/** A month has at most five of any weekday, so `monday 6` can never happen. */
const MAX_WEEKDAY_NTH = 5;

/**
 * Part of a day, in minutes since local midnight. `endMinute` is exclusive and may be 1440 (24:00).
 * `startMinute === endMinute` is an empty range: `00:00-00:00` is the Nagios idiom that, through
 * precedence, switches a day off (`december 25 00:00-00:00`).
 */
export interface TimeOfDayRange {
  startMinute: number;
  endMinute: number;
}

/** A date on the calendar; `month` and `day` count from 1. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** A day of a named month, every year. Negative days count back from the end: -1 is the last. */
export interface MonthDate {
  month: number;
  day: number;
}

/** The `nth` weekday (0 = Sunday) of a named month, every year; -1 is the last. */
export interface MonthWeekday {
  month: number;
  weekday: number;
  nth: number;
}

/** The `nth` weekday (0 = Sunday) of every month; -1 is the last. */
export interface WeekdayOffset {
  weekday: number;
  nth: number;
}

/**
 * Which days a range covers, one variant per Nagios daterange type. Ranges are inclusive and
 * wrap into the next year (or month) when the end comes before the start (`december 20 - january 5`).
 * `skipDays` keeps every Nth day counted from the range's first day (1 = every day).
 */
export type DaySpec =
  /** `2025-12-25`, `2025-12-24 - 2026-01-02`, `2026-01-01 / 7` (end `null`: repeats forever). */
  | { kind: 'calendar-date'; start: CalendarDate; end: CalendarDate | null; skipDays: number }
  /** `january 1`, `february -1`, `july 10 - 15`, `april 10 - may 15`. */
  | { kind: 'month-date'; start: MonthDate; end: MonthDate; skipDays: number }
  /** `day 1`, `day -1`, `day 1 - 15`, `day 20 - -1`: days of every month. */
  | { kind: 'month-day'; start: number; end: number; skipDays: number }
  /** `monday 1 may`, `thursday -1 november`, `tuesday 1 april - friday 2 may`. */
  | { kind: 'month-weekday'; start: MonthWeekday; end: MonthWeekday; skipDays: number }
  /** `monday 3`, `friday -2`, `monday 3 - thursday 4`: weekdays of every month. */
  | { kind: 'weekday-offset'; start: WeekdayOffset; end: WeekdayOffset; skipDays: number }
  /** `monday`: every week. */
  | { kind: 'weekday'; weekday: number; skipDays: number };

/** One parsed `<time-range>`: the days it covers and the times on those days. JSON-safe. */
export type TimeRange = DaySpec & {
  /** The source text, trimmed, for messages and for showing the configuration back. */
  text: string;
  times: TimeOfDayRange[];
};

export type TimeRangeKind = TimeRange['kind'];

/**
 * Nagios precedence, most specific first. For a given day, only ranges of the first kind in this
 * list that covers the day count; less specific kinds are ignored for that day.
 */
export const TIME_RANGE_PRECEDENCE: readonly TimeRangeKind[] = [
  'calendar-date',
  'month-date',
  'month-day',
  'month-weekday',
  'weekday-offset',
  'weekday',
];

/** A named time period, as Bergamot's `<time-period>` defines it. */
export interface TimePeriod {
  name: string;
  /** IANA zone such as `Europe/London`; absent means UTC. Check it with {@link validateTimeZone}. */
  timeZone?: string;
  ranges: TimeRange[];
  /** Names of periods whose times are removed from this one. */
  excludes: string[];
}

/** Finds a period by name, typically from the site's configuration. */
export type TimePeriodLookup = (name: string) => TimePeriod | undefined;

/** Where a time range is wrong: `column` is 1-based in the text given to {@link parseTimeRange}. */
export interface TimeRangeParseError {
  message: string;
  column: number;
}

export type TimeRangeParseResult =
  | { ok: true; range: TimeRange }
  | { ok: false; error: TimeRangeParseError };

export type TimeZoneValidation =
  | { ok: true; timeZone: string }
  | { ok: false; error: { message: string } };

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const DAY_EXPECTATION = "a weekday (monday..sunday), a month (january..december), 'day', or a date YYYY-MM-DD";
const TIME_EXPECTATION = 'a time range HH:MM-HH:MM, e.g. 09:00-17:30';

/** Parsing stops at the first problem; this carries it out of the recursive descent. */
class ParseFailure extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'ParseFailure';
  }
}

interface Token {
  type: 'word' | 'number' | 'date' | 'dash' | 'slash';
  /** As written; words are compared lower-cased. */
  raw: string;
  column: number;
}

/**
 * Parses one Nagios time range, such as `monday 09:00-17:30`, `monday -1 august 00:00-24:00`,
 * `day 1 - 15 / 2 00:00-24:00` or `2025-12-24 - 2026-01-02 00:00-24:00`.
 *
 * Problems come back as data with a 1-based column, never as exceptions, so a configuration loader
 * can report every bad range of a file in one pass.
 *
 * @example
 * parseTimeRange('monday 09:00-17:30')
 * // { ok: true, range: { kind: 'weekday', weekday: 1, skipDays: 1,
 * //   times: [{ startMinute: 540, endMinute: 1050 }], text: 'monday 09:00-17:30' } }
 * parseTimeRange('mondy 09:00-17:30')
 * // { ok: false, error: { message: "unknown day 'mondy': expected a weekday (monday..sunday), …", column: 1 } }
 */
export function parseTimeRange(text: string): TimeRangeParseResult {
  try {
    const { tokens, timesIndex } = tokenizeDays(text);
    const days = parseDays(new TokenCursor(tokens, timesIndex + 1));
    const times = parseTimes(text, timesIndex);
    return { ok: true, range: { ...days, text: text.trim(), times } };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, error: { message: error.message, column: error.column } };
    throw error;
  }
}

/** Where the time ranges begin: one or two digits then a colon (a day number never has a colon). */
const TIME_START = /\d{1,2}:/y;
const DATE_TOKEN = /\d{4}-\d{2}-\d{2}/y;
const NUMBER_TOKEN = /\d+/y;
const SIGNED_NUMBER_TOKEN = /-?\d+/y;
const WORD_TOKEN = /[A-Za-z]+/y;

/** Splits the day part of the text into tokens and finds where the time ranges start. */
function tokenizeDays(text: string): { tokens: Token[]; timesIndex: number } {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    if (/\s/.test(text.charAt(index))) {
      index += 1;
      continue;
    }
    if (matchAt(TIME_START, text, index) !== null) return { tokens, timesIndex: index };
    const token = readToken(text, index, tokens.at(-1));
    tokens.push(token);
    index += token.raw.length;
  }
  return { tokens, timesIndex: text.length };
}

function readToken(text: string, index: number, previous: Token | undefined): Token {
  const column = index + 1;
  const date = matchAt(DATE_TOKEN, text, index);
  if (date !== null) return { type: 'date', raw: date, column };
  // After a number or a date a '-' separates a range ("day 1-15"); elsewhere it is a sign ("day -1").
  const dashIsSeparator = previous?.type === 'number' || previous?.type === 'date';
  const number = matchAt(dashIsSeparator ? NUMBER_TOKEN : SIGNED_NUMBER_TOKEN, text, index);
  if (number !== null) return { type: 'number', raw: number, column };
  const word = matchAt(WORD_TOKEN, text, index);
  if (word !== null) return { type: 'word', raw: word, column };
  const char = text.charAt(index);
  if (char === '-') return { type: 'dash', raw: char, column };
  if (char === '/') return { type: 'slash', raw: char, column };
  throw new ParseFailure(`unexpected '${char}': expected ${DAY_EXPECTATION}, then ${TIME_EXPECTATION}`, column);
}

function matchAt(pattern: RegExp, text: string, index: number): string | null {
  pattern.lastIndex = index;
  return pattern.exec(text)?.[0] ?? null;
}

class TokenCursor {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    /** Column reported when the day part ends too early: where the time ranges begin. */
    private readonly endColumn: number,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  take(): Token | undefined {
    const token = this.tokens[this.index];
    if (token !== undefined) this.index += 1;
    return token;
  }

  takeIf(type: Token['type']): Token | undefined {
    return this.peek()?.type === type ? this.take() : undefined;
  }

  /** The next token, which must have `type`; otherwise fails saying what was expected. */
  expect(type: Token['type'], expectation: string): Token {
    const token = this.peek();
    if (token?.type === type) return this.take() as Token;
    throw this.failure(expectation);
  }

  failure(expectation: string): ParseFailure {
    const token = this.peek();
    const found = token === undefined ? '' : `, found '${token.raw}'`;
    return new ParseFailure(`expected ${expectation}${found}`, token?.column ?? this.endColumn);
  }
}

/** A day form, then an optional `/ N`, then nothing more before the time ranges. */
function parseDays(cursor: TokenCursor): DaySpec {
  const { days, isRange } = parseDayForm(cursor);
  const skip = parseSkip(cursor);
  if (skip !== undefined) applySkip(days, isRange, skip);
  const extra = cursor.peek();
  if (extra !== undefined) {
    throw new ParseFailure(`unexpected '${extra.raw}': expected ${TIME_EXPECTATION}`, extra.column);
  }
  return days;
}

interface DayForm {
  days: DaySpec;
  /** Whether a `- end` was written: skips only make sense over a range. */
  isRange: boolean;
}

function parseDayForm(cursor: TokenCursor): DayForm {
  const first = cursor.take();
  if (first === undefined) throw cursor.failure(`${DAY_EXPECTATION} before the time ranges`);
  if (first.type === 'date') return parseCalendarDates(first, cursor);
  if (first.type !== 'word') throw new ParseFailure(`unexpected '${first.raw}': expected ${DAY_EXPECTATION}`, first.column);
  const word = first.raw.toLowerCase();
  if (word === 'day') return parseMonthDays(cursor);
  const weekday = indexOfName(WEEKDAY_NAMES, word);
  if (weekday !== undefined) return parseWeekdayForms(weekday, cursor);
  const month = indexOfName(MONTH_NAMES, word);
  if (month !== undefined) return parseMonthDates(month + 1, cursor);
  throw new ParseFailure(`unknown day '${first.raw}': expected ${DAY_EXPECTATION}`, first.column);
}

/** `2025-12-25`, `2025-12-24 - 2026-01-02`. */
function parseCalendarDates(first: Token, cursor: TokenCursor): DayForm {
  const start = calendarDateOf(first);
  if (cursor.takeIf('dash') === undefined) {
    return { days: { kind: 'calendar-date', start, end: start, skipDays: 1 }, isRange: false };
  }
  const endToken = cursor.expect('date', "an end date YYYY-MM-DD after '-'");
  const end = calendarDateOf(endToken);
  if (dayNumberOfDate(end) < dayNumberOfDate(start)) {
    throw new ParseFailure(`end date ${endToken.raw} is before start date ${first.raw}`, endToken.column);
  }
  return { days: { kind: 'calendar-date', start, end, skipDays: 1 }, isRange: true };
}

/** `day 1`, `day -1`, `day 1 - 15`, `day 20 - -1`. */
function parseMonthDays(cursor: TokenCursor): DayForm {
  const start = dayOfAnyMonth(cursor.expect('number', "a day number after 'day', e.g. 'day 1' or 'day -1' (the last day)"));
  if (cursor.takeIf('dash') === undefined) {
    return { days: { kind: 'month-day', start, end: start, skipDays: 1 }, isRange: false };
  }
  const end = dayOfAnyMonth(cursor.expect('number', "an end day number after '-', e.g. 'day 1 - 15'"));
  return { days: { kind: 'month-day', start, end, skipDays: 1 }, isRange: true };
}

/** `january 1`, `february -1`, `july 10 - 15`, `april 10 - may 15`. */
function parseMonthDates(month: number, cursor: TokenCursor): DayForm {
  const monthName = MONTH_NAMES[month - 1];
  const startDay = dayOfNamedMonth(cursor.expect('number', `a day number after '${monthName}', e.g. '${monthName} 1'`), month);
  const start: MonthDate = { month, day: startDay };
  if (cursor.takeIf('dash') === undefined) {
    return { days: { kind: 'month-date', start, end: start, skipDays: 1 }, isRange: false };
  }
  const endMonthToken = cursor.takeIf('word');
  const endMonth = endMonthToken === undefined ? month : monthOf(endMonthToken);
  const endDayExpectation = `an end day number after '-', e.g. '${monthName} 10 - 15' or '${monthName} 10 - ${MONTH_NAMES[month % 12]} 5'`;
  const endDay = dayOfNamedMonth(cursor.expect('number', endDayExpectation), endMonth);
  return { days: { kind: 'month-date', start, end: { month: endMonth, day: endDay }, skipDays: 1 }, isRange: true };
}

/** `monday`, `monday 3`, `monday 3 - thursday 4`, `monday 1 may`, `tuesday 1 april - friday 2 may`. */
function parseWeekdayForms(weekday: number, cursor: TokenCursor): DayForm {
  const nthToken = cursor.takeIf('number');
  if (nthToken === undefined) return { days: { kind: 'weekday', weekday, skipDays: 1 }, isRange: false };
  const nth = nthOf(nthToken);
  const monthToken = cursor.takeIf('word');
  if (monthToken === undefined) return parseWeekdayOffsets({ weekday, nth }, cursor);
  return parseMonthWeekdays({ weekday, nth, month: monthOf(monthToken) }, cursor);
}

function parseWeekdayOffsets(start: WeekdayOffset, cursor: TokenCursor): DayForm {
  if (cursor.takeIf('dash') === undefined) {
    return { days: { kind: 'weekday-offset', start, end: start, skipDays: 1 }, isRange: false };
  }
  const weekday = weekdayOf(cursor.expect('word', "a weekday after '-', e.g. 'monday 3 - thursday 4'"));
  const nth = nthOf(cursor.expect('number', "which weekday of the month, e.g. 'thursday 4' or 'friday -1' (the last)"));
  return { days: { kind: 'weekday-offset', start, end: { weekday, nth }, skipDays: 1 }, isRange: true };
}

function parseMonthWeekdays(start: MonthWeekday, cursor: TokenCursor): DayForm {
  if (cursor.takeIf('dash') === undefined) {
    return { days: { kind: 'month-weekday', start, end: start, skipDays: 1 }, isRange: false };
  }
  const weekday = weekdayOf(cursor.expect('word', "a weekday after '-', e.g. 'tuesday 1 april - friday 2 may'"));
  const nth = nthOf(cursor.expect('number', "which weekday of the month, e.g. 'friday 2 may' or 'friday -1 may' (the last)"));
  const month = monthOf(cursor.expect('word', "a month after the weekday, e.g. 'friday 2 may'"));
  return { days: { kind: 'month-weekday', start, end: { weekday, nth, month }, skipDays: 1 }, isRange: true };
}

interface Skip {
  days: number;
  column: number;
}

/** `/ N`: every Nth day of the range. */
function parseSkip(cursor: TokenCursor): Skip | undefined {
  const slash = cursor.takeIf('slash');
  if (slash === undefined) return undefined;
  const token = cursor.expect('number', "a number of days after '/', e.g. 'day 1 - 31 / 2'");
  const days = Number(token.raw);
  if (!Number.isSafeInteger(days) || days < 1) {
    throw new ParseFailure(`skip of ${token.raw} days: expected a whole number of days, 1 or more`, token.column);
  }
  return { days, column: slash.column };
}

function applySkip(days: DaySpec, isRange: boolean, skip: Skip): void {
  if (days.kind === 'weekday') {
    throw new ParseFailure(
      "'/ N' cannot apply to a plain weekday, which already repeats weekly: use a range such as 'day 1 - 31 / 2' or a date such as '2026-01-05 / 14'",
      skip.column,
    );
  }
  if (days.kind === 'calendar-date' && !isRange) {
    // Nagios: `2008-04-01 / 7` is every 7 days from that date, forever.
    days.end = null;
  } else if (!isRange) {
    throw new ParseFailure(
      "'/ N' needs a range of days to skip through, e.g. 'day 1 - 15 / 2' (only a single date YYYY-MM-DD repeats forever)",
      skip.column,
    );
  }
  days.skipDays = skip.days;
}

function indexOfName(names: readonly string[], word: string): number | undefined {
  const index = names.indexOf(word);
  return index === -1 ? undefined : index;
}

function weekdayOf(token: Token): number {
  const weekday = indexOfName(WEEKDAY_NAMES, token.raw.toLowerCase());
  if (weekday === undefined) throw new ParseFailure(`unknown weekday '${token.raw}': expected monday..sunday`, token.column);
  return weekday;
}

function monthOf(token: Token): number {
  const month = indexOfName(MONTH_NAMES, token.raw.toLowerCase());
  if (month === undefined) throw new ParseFailure(`unknown month '${token.raw}': expected january..december`, token.column);
  return month + 1;
}

/** Which weekday of a month: 1..5 from the start, -1..-5 from the end. */
function nthOf(token: Token): number {
  const nth = Number(token.raw);
  if (nth === 0 || Math.abs(nth) > MAX_WEEKDAY_NTH) {
    throw new ParseFailure(
      `weekday number ${token.raw} is out of range: expected 1..${MAX_WEEKDAY_NTH} (1 = first) or -1..-${MAX_WEEKDAY_NTH} (-1 = last)`,
      token.column,
    );
  }
  return nth;
}

/** `day N`: 1..31, or -1..-31 counting back from the end of whichever month it is. */
function dayOfAnyMonth(token: Token): number {
  const day = Number(token.raw);
  if (day === 0 || Math.abs(day) > 31) {
    throw new ParseFailure(`day ${token.raw} is out of range: expected 1..31, or -1..-31 (-1 = the last day)`, token.column);
  }
  return day;
}

/** A day of a named month, which must exist in at least some years (`february 29` does). */
function dayOfNamedMonth(token: Token, month: number): number {
  const day = Number(token.raw);
  const maxDays = MAX_DAYS_IN_MONTH[month - 1] ?? 31;
  if (day === 0 || Math.abs(day) > maxDays) {
    throw new ParseFailure(
      `day ${token.raw} is out of range for ${MONTH_NAMES[month - 1]}: expected 1..${maxDays}, or -1..-${maxDays} (-1 = the last day)`,
      token.column,
    );
  }
  return day;
}

function calendarDateOf(token: Token): CalendarDate {
  const [year = 0, month = 0, day = 0] = token.raw.split('-').map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new ParseFailure(`no such date ${token.raw}: expected a real date YYYY-MM-DD`, token.column);
  }
  return { year, month, day };
}

const TIME_RANGE_PATTERN = /(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})/dy;

/** `09:00-17:30`, or several separated by commas: `00:00-09:00,17:00-24:00`. */
function parseTimes(text: string, fromIndex: number): TimeOfDayRange[] {
  const times: TimeOfDayRange[] = [];
  let index = fromIndex;
  for (;;) {
    index = skipWhitespace(text, index);
    const { range, nextIndex } = parseOneTime(text, index);
    times.push(range);
    index = skipWhitespace(text, nextIndex);
    if (index >= text.length) return times;
    if (text.charAt(index) !== ',') {
      throw new ParseFailure(`unexpected '${text.slice(index).split(/\s/)[0]}' after the time ranges: expected ',' or the end`, index + 1);
    }
    index += 1;
  }
}

function parseOneTime(text: string, index: number): { range: TimeOfDayRange; nextIndex: number } {
  TIME_RANGE_PATTERN.lastIndex = index;
  const match = TIME_RANGE_PATTERN.exec(text);
  if (match === null) {
    const found = index < text.length ? `, found '${text.slice(index).split(/[\s,]/)[0]}'` : '';
    throw new ParseFailure(`expected ${TIME_EXPECTATION}${found}`, index + 1);
  }
  const startMinute = minuteOfDay(match, 1, 'start');
  const endMinute = minuteOfDay(match, 3, 'end');
  if (endMinute < startMinute) {
    throw new ParseFailure(
      `time range ${match[0]} ends before it starts: ranges stay within one day, so split one that crosses midnight at 24:00 (e.g. 'monday 22:00-24:00' and 'tuesday 00:00-02:00')`,
      index + 1,
    );
  }
  return { range: { startMinute, endMinute }, nextIndex: index + match[0].length };
}

/** Reads the HH:MM whose hour is capture group `hourGroup` and whose minutes follow it. */
function minuteOfDay(match: RegExpExecArray, hourGroup: number, role: 'start' | 'end'): number {
  const hours = Number(match[hourGroup]);
  const minutes = Number(match[hourGroup + 1]);
  const hourColumn = (match.indices?.[hourGroup]?.[0] ?? 0) + 1;
  const minuteColumn = (match.indices?.[hourGroup + 1]?.[0] ?? 0) + 1;
  if (minutes > 59) throw new ParseFailure(`minute ${match[hourGroup + 1]} is out of range: expected 00..59`, minuteColumn);
  if (hours > 24 || (hours === 24 && minutes > 0)) {
    throw new ParseFailure(`time ${hours}:${match[hourGroup + 1]} is out of range: expected 00:00..24:00`, hourColumn);
  }
  if (hours === 24 && role === 'start') {
    throw new ParseFailure('24:00 is the end of the day: expected a start of 00:00..23:59', hourColumn);
  }
  return hours * 60 + minutes;
}

function skipWhitespace(text: string, index: number): number {
  let next = index;
  while (next < text.length && /\s/.test(text.charAt(next))) next += 1;
  return next;
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

/** Creating a DateTimeFormat costs far more than using one: one per zone, for the process's life. */
const formatterByZone = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatterByZone.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // h23, not hour12: false, which some ICU versions render as "24" at midnight.
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatterByZone.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Checks an IANA time zone name against the zones this runtime knows, returning its canonical
 * spelling (`europe/london` becomes `Europe/London`).
 */
export function validateTimeZone(name: string): TimeZoneValidation {
  try {
    return { ok: true, timeZone: formatterFor(name).resolvedOptions().timeZone };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return {
      ok: false,
      error: { message: `unknown time zone '${name}': expected an IANA name such as 'Europe/London' or 'UTC'` },
    };
  }
}

/** A local date plus the numbers the day matchers need, all derived once. */
interface LocalDate {
  year: number;
  month: number;
  day: number;
  /** Days since 1970-01-01 of this local date: makes date arithmetic plain subtraction. */
  dayNumber: number;
  weekday: number;
}

interface LocalTime extends LocalDate {
  msOfDay: number;
  /** Local wall clock minus UTC, for spotting DST changes. */
  offsetMs: number;
}

/** The wall clock in `timeZone` (UTC when undefined) at the instant `atMs`. */
function localTimeAt(timeZone: string | undefined, atMs: number): LocalTime {
  const fields = timeZone === undefined ? utcFields(atMs) : zoneFields(timeZone, atMs);
  const dayNumber = dayNumberOf(fields.year, fields.month, fields.day);
  const msInSecond = ((atMs % MS_PER_SECOND) + MS_PER_SECOND) % MS_PER_SECOND;
  const msOfDay = ((fields.hour * 60 + fields.minute) * 60 + fields.second) * MS_PER_SECOND + msInSecond;
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    dayNumber,
    weekday: weekdayOfDayNumber(dayNumber),
    msOfDay,
    offsetMs: dayNumber * MS_PER_DAY + msOfDay - atMs,
  };
}

interface WallClockFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function utcFields(atMs: number): WallClockFields {
  const date = new Date(atMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

function zoneFields(timeZone: string, atMs: number): WallClockFields {
  const fields: WallClockFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(atMs)) {
    if (part.type in fields) fields[part.type as keyof WallClockFields] = Number(part.value);
  }
  // Belt and braces against ICU builds that still say 24 for midnight.
  if (fields.hour === 24) fields.hour = 0;
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, on day numbers since 1970-01-01)
// ---------------------------------------------------------------------------------------------

function dayNumberOf(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

function dayNumberOfDate(date: CalendarDate): number {
  return dayNumberOf(date.year, date.month, date.day);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1970-01-01 was a Thursday (4). */
function weekdayOfDayNumber(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/**
 * What to do with a day a month lacks (`day 31` in April, `february 29` in 2025): a start or a
 * single day does not happen that month, but a range's end stops at the month's last day, so
 * `day 1 - 31` covers every whole month.
 */
type MissingDay = 'skip' | 'clamp';

/** The day number of `day` (negative: from the end) in a month, or null when it does not exist. */
function dayOfMonthIn(year: number, month: number, day: number, missing: MissingDay): number | null {
  const length = daysInMonth(year, month);
  const dayOfMonth = day > 0 ? day : length + 1 + day;
  if (dayOfMonth >= 1 && dayOfMonth <= length) return dayNumberOf(year, month, dayOfMonth);
  if (missing === 'skip') return null;
  return dayNumberOf(year, month, dayOfMonth > length ? length : 1);
}

/** The day number of the nth weekday of a month (negative nth: from the end), or null. */
function nthWeekdayIn(year: number, month: number, weekday: number, nth: number): number | null {
  const length = daysInMonth(year, month);
  if (nth > 0) {
    const first = dayNumberOf(year, month, 1);
    const dayNumber = first + ((weekday - weekdayOfDayNumber(first) + 7) % 7) + 7 * (nth - 1);
    return dayNumber - first < length ? dayNumber : null;
  }
  const last = dayNumberOf(year, month, length);
  const dayNumber = last - ((weekdayOfDayNumber(last) - weekday + 7) % 7) - 7 * (-nth - 1);
  return last - dayNumber < length ? dayNumber : null;
}

/** Months counted from year 0, so "the month before" is a subtraction. */
function monthIndexOf(year: number, month: number): number {
  return year * 12 + (month - 1);
}

function yearAndMonthOf(monthIndex: number): { year: number; month: number } {
  return { year: Math.floor(monthIndex / 12), month: (monthIndex % 12) + 1 };
}

// ---------------------------------------------------------------------------------------------
// Which days a range covers
// ---------------------------------------------------------------------------------------------

/** The days (inclusive day numbers) of one occurrence of a range. */
interface DaySpan {
  firstDay: number;
  lastDay: number;
}

/**
 * One occurrence of a yearly or monthly range in `cycle` (a year, or a month index). An end before
 * the start means the range wraps into the next cycle (`december 20 - january 5`, `day 25 - 5`).
 */
function occurrenceIn(
  cycle: number,
  firstDayIn: (cycle: number) => number | null,
  lastDayIn: (cycle: number) => number | null,
): DaySpan | null {
  const firstDay = firstDayIn(cycle);
  if (firstDay === null) return null;
  let lastDay = lastDayIn(cycle);
  if (lastDay !== null && lastDay < firstDay) lastDay = lastDayIn(cycle + 1);
  return lastDay === null ? null : { firstDay, lastDay };
}

function spanCovers(span: DaySpan | null, dayNumber: number, skipDays: number): boolean {
  if (span === null || dayNumber < span.firstDay || dayNumber > span.lastDay) return false;
  return (dayNumber - span.firstDay) % skipDays === 0;
}

/**
 * Whether a recurring range covers the day. Only this cycle's occurrence and the previous one's
 * (which may have wrapped into this cycle) can contain it.
 */
function recurringCovers(
  currentCycle: number,
  dayNumber: number,
  skipDays: number,
  firstDayIn: (cycle: number) => number | null,
  lastDayIn: (cycle: number) => number | null,
): boolean {
  return [currentCycle, currentCycle - 1].some((cycle) =>
    spanCovers(occurrenceIn(cycle, firstDayIn, lastDayIn), dayNumber, skipDays),
  );
}

function rangeCoversDay(days: DaySpec, date: LocalDate): boolean {
  switch (days.kind) {
    case 'weekday':
      return date.weekday === days.weekday;
    case 'calendar-date': {
      const lastDay = days.end === null ? Number.POSITIVE_INFINITY : dayNumberOfDate(days.end);
      return spanCovers({ firstDay: dayNumberOfDate(days.start), lastDay }, date.dayNumber, days.skipDays);
    }
    case 'month-date':
      return recurringCovers(
        date.year,
        date.dayNumber,
        days.skipDays,
        (year) => dayOfMonthIn(year, days.start.month, days.start.day, 'skip'),
        (year) => dayOfMonthIn(year, days.end.month, days.end.day, 'clamp'),
      );
    case 'month-weekday':
      return recurringCovers(
        date.year,
        date.dayNumber,
        days.skipDays,
        (year) => nthWeekdayIn(year, days.start.month, days.start.weekday, days.start.nth),
        (year) => nthWeekdayIn(year, days.end.month, days.end.weekday, days.end.nth),
      );
    case 'month-day':
      return recurringCovers(
        monthIndexOf(date.year, date.month),
        date.dayNumber,
        days.skipDays,
        (index) => monthDayIn(index, days.start, 'skip'),
        (index) => monthDayIn(index, days.end, 'clamp'),
      );
    case 'weekday-offset':
      return recurringCovers(
        monthIndexOf(date.year, date.month),
        date.dayNumber,
        days.skipDays,
        (index) => weekdayOffsetIn(index, days.start),
        (index) => weekdayOffsetIn(index, days.end),
      );
  }
}

function monthDayIn(monthIndex: number, day: number, missing: MissingDay): number | null {
  const { year, month } = yearAndMonthOf(monthIndex);
  return dayOfMonthIn(year, month, day, missing);
}

function weekdayOffsetIn(monthIndex: number, offset: WeekdayOffset): number | null {
  const { year, month } = yearAndMonthOf(monthIndex);
  return nthWeekdayIn(year, month, offset.weekday, offset.nth);
}

/** The times that apply on a day: those of the most specific kind of range covering it. */
function timesOnDay(ranges: readonly TimeRange[], date: LocalDate): TimeOfDayRange[] {
  for (const kind of TIME_RANGE_PRECEDENCE) {
    const covering = ranges.filter((range) => range.kind === kind && rangeCoversDay(range, date));
    if (covering.length > 0) return covering.flatMap((range) => range.times);
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Membership
// ---------------------------------------------------------------------------------------------

/**
 * Whether the instant `atMs` lies in the period: on the period's own wall clock it falls in one of
 * its ranges (or the period has no ranges but has excludes: "always, except"), and it lies in none
 * of the excluded periods, each judged in its own zone with its own excludes.
 *
 * @throws RangeError when a period's `timeZone` is unknown; check zones with {@link validateTimeZone}
 *   when loading configuration.
 * @example
 * isWithinTimePeriod(ukWorkhours, Date.parse('2025-06-02T08:00:00Z'), lookup) // true: 09:00 BST
 */
export function isWithinTimePeriod(period: TimePeriod, atMs: number, lookup: TimePeriodLookup): boolean {
  return isWithin(period, atMs, lookup, new Set());
}

/** `path`: names of the periods whose excludes led here, to stop at exclusion cycles. */
function isWithin(period: TimePeriod, atMs: number, lookup: TimePeriodLookup, path: ReadonlySet<string>): boolean {
  if (!isInOwnRanges(period, atMs)) return false;
  const pathHere = new Set(path).add(period.name);
  return !period.excludes.some((name) => isExcludedBy(name, atMs, lookup, pathHere));
}

function isInOwnRanges(period: TimePeriod, atMs: number): boolean {
  // Bergamot's "inverse" periods (uk-outofhours) have only excludes: they mean "all the time".
  if (period.ranges.length === 0) return period.excludes.length > 0;
  const local = localTimeAt(period.timeZone, atMs);
  return timesOnDay(period.ranges, local).some((time) => timeCovers(time, local.msOfDay));
}

function timeCovers(time: TimeOfDayRange, msOfDay: number): boolean {
  return time.startMinute * MS_PER_MINUTE <= msOfDay && msOfDay < time.endMinute * MS_PER_MINUTE;
}

function isExcludedBy(name: string, atMs: number, lookup: TimePeriodLookup, path: ReadonlySet<string>): boolean {
  // Back into a period still being evaluated: a cycle. Ignoring this edge is what terminates it.
  if (path.has(name)) return false;
  const excluded = lookup(name);
  return excluded !== undefined && isWithin(excluded, atMs, lookup, path);
}

/**
 * Exclusion cycles among `periods` (`a` excludes `b`, `b` excludes `a`), each as the names along
 * the cycle, starting from its alphabetically first name: `[['a', 'b']]`; `[]` when there are none.
 * Every loop yields at least one reported cycle (one per back edge of a depth-first search), which
 * is what validation needs; overlapping loops are not all enumerated. Excludes naming periods not
 * in the list are not followed. Evaluation survives cycles, but what a cycle means is ambiguous,
 * so configuration validation should reject them.
 */
export function findExclusionCycles(periods: readonly TimePeriod[]): string[][] {
  const byName = new Map(periods.map((period) => [period.name, period]));
  const finished = new Set<string>();
  const cycles = new Map<string, string[]>();
  const visit = (name: string, stack: string[]): void => {
    const onStack = stack.indexOf(name);
    if (onStack !== -1) {
      const cycle = rotateToSmallest(stack.slice(onStack));
      cycles.set(cycle.join('\u0000'), cycle);
      return;
    }
    const period = byName.get(name);
    if (period === undefined || finished.has(name)) return;
    for (const excluded of period.excludes) visit(excluded, [...stack, name]);
    finished.add(name);
  };
  for (const period of periods) visit(period.name, []);
  return [...cycles.values()];
}

/** The same cycle found from different starting points should be reported once. */
function rotateToSmallest(cycle: string[]): string[] {
  const smallest = cycle.reduce((best, name, index) => ((cycle[best] ?? '') <= name ? best : index), 0);
  return [...cycle.slice(smallest), ...cycle.slice(0, smallest)];
}

// ---------------------------------------------------------------------------------------------
// Next change
// ---------------------------------------------------------------------------------------------

/**
 * The first instant after `fromMs` at which {@link isWithinTimePeriod} changes its answer, or null
 * when it does not change within `horizonMs`. Lets the scheduler sleep until a period opens
 * instead of polling it.
 *
 * Rather than stepping minute by minute, this visits only the instants where an answer can change:
 * each range's start and end and each local midnight, in every zone of the period and of the
 * periods it excludes, plus the instants where a zone's UTC offset changes (found by bisection,
 * because a DST jump can skip over a range's start). Cost grows with days in the horizon times
 * boundaries per day, not with minutes. It assumes a zone's offset does not change twice within
 * one day, which no real zone does.
 *
 * @example
 * nextTimePeriodChange(ukWorkhours, Date.parse('2025-06-06T16:30:00Z'), lookup, 7 * 86_400_000)
 * // Date.parse('2025-06-09T08:00:00Z'): Monday 09:00 in London
 */
export function nextTimePeriodChange(
  period: TimePeriod,
  fromMs: number,
  lookup: TimePeriodLookup,
  horizonMs: number,
): number | null {
  const boundaries = boundaryMinutesByZone(period, lookup);
  const limitMs = fromMs + horizonMs;
  const initial = isWithinTimePeriod(period, fromMs, lookup);
  let atMs = fromMs;
  for (;;) {
    atMs = nextCandidateMs(boundaries, atMs);
    if (atMs > limitMs) return null;
    if (isWithinTimePeriod(period, atMs, lookup) !== initial) return atMs;
  }
}

/** Zone name, or undefined for UTC, as `localTimeAt` takes it. */
type ZoneKey = string | undefined;

/**
 * For every zone involved, the local minutes of day at which some range starts or ends, sorted,
 * ending with 1440 (the next midnight, where the day's ranges change).
 */
function boundaryMinutesByZone(period: TimePeriod, lookup: TimePeriodLookup): Map<ZoneKey, number[]> {
  const minutesByZone = new Map<ZoneKey, Set<number>>();
  for (const involved of periodsReachableByExcludes(period, lookup)) {
    const minutes = minutesByZone.get(involved.timeZone) ?? new Set([MINUTES_PER_DAY]);
    for (const time of involved.ranges.flatMap((range) => range.times)) {
      minutes.add(time.startMinute).add(time.endMinute);
    }
    minutesByZone.set(involved.timeZone, minutes);
  }
  const sorted = new Map<ZoneKey, number[]>();
  for (const [zone, minutes] of minutesByZone) sorted.set(zone, [...minutes].sort((a, b) => a - b));
  return sorted;
}

function periodsReachableByExcludes(period: TimePeriod, lookup: TimePeriodLookup): TimePeriod[] {
  const found = new Map<string, TimePeriod>([[period.name, period]]);
  const pending = [period];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const name of next.excludes) {
      const excluded = found.has(name) ? undefined : lookup(name);
      if (excluded === undefined) continue;
      found.set(name, excluded);
      pending.push(excluded);
    }
  }
  return [...found.values()];
}

function nextCandidateMs(boundaries: Map<ZoneKey, number[]>, afterMs: number): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const [zone, minutes] of boundaries) earliest = Math.min(earliest, nextBoundaryInZoneMs(zone, minutes, afterMs));
  return earliest;
}

/** The next instant after `afterMs` at which the wall clock in `zone` reaches a boundary or jumps. */
function nextBoundaryInZoneMs(zone: ZoneKey, minutes: readonly number[], afterMs: number): number {
  const local = localTimeAt(zone, afterMs);
  const nextMinute = minutes.find((minute) => minute * MS_PER_MINUTE > local.msOfDay) ?? MINUTES_PER_DAY;
  const candidateMs = afterMs + nextMinute * MS_PER_MINUTE - local.msOfDay;
  if (zone === undefined || localTimeAt(zone, candidateMs).offsetMs === local.offsetMs) return candidateMs;
  return offsetChangeMs(zone, afterMs, candidateMs, local.offsetMs);
}

/** Bisects to the first whole second in (fromMs, toMs] whose UTC offset differs from `offsetMs`. */
function offsetChangeMs(zone: string, fromMs: number, toMs: number, offsetMs: number): number {
  let lowS = Math.floor(fromMs / MS_PER_SECOND);
  let highS = Math.ceil(toMs / MS_PER_SECOND);
  while (highS - lowS > 1) {
    const middleS = Math.floor((lowS + highS) / 2);
    if (localTimeAt(zone, middleS * MS_PER_SECOND).offsetMs === offsetMs) lowS = middleS;
    else highS = middleS;
  }
  return highS * MS_PER_SECOND;
}
