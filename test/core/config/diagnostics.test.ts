import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from '#core/config/diagnostics.ts';
import { loadConfiguration } from '#core/config/load.ts';
import { diagnosticLines, loadXml } from '../../helpers/config.ts';

// Fragments are wrapped in <bergamot site="test">, so their first line is line 2 of the file.
const cases: { name: string; xml: string; expect: string[] }[] = [
  {
    name: 'unknown element, with a suggestion',
    xml: `<host name="h"><shedule every="5"/></host>`,
    expect: ["f.xml:2:16 error: unknown element <shedule> in <host>"],
  },
  {
    name: 'unknown attribute, with a suggestion',
    xml: `<host name="h" adress="10.0.0.1"/>`,
    expect: ["f.xml:2:16 error: unknown attribute 'adress' on <host>"],
  },
  {
    name: 'missing required attribute',
    xml: `<command engine="http"/>`,
    expect: ['f.xml:2:1 error: <command> needs a name attribute'],
  },
  {
    name: 'unknown template',
    xml: `<host name="h" extends="generic-hots"/>\n<host name="generic-host" template="yes"/>`,
    expect: ["f.xml:2:16 error: unknown host 'generic-hots' in extends of host 'h'"],
  },
  {
    name: 'unknown command',
    xml: `<host name="h"><check-command command="nope"/></host>`,
    expect: ["f.xml:2:31 error: unknown command 'nope' (used by host 'h')"],
  },
  {
    name: 'inheritance cycle',
    xml: `<host name="a" template="yes" extends="b"/>\n<host name="b" template="yes" extends="a"/>\n<host name="h" extends="a"/>`,
    expect: ['f.xml:3:31 error: inheritance cycle: a -> b -> a'],
  },
  {
    name: 'duplicate name',
    xml: `<group name="g"/>\n<group name="g"/>`,
    expect: ["f.xml:3:1 error: duplicate group 'g'"],
  },
  {
    name: 'bad duration',
    xml: `<host name="h"><schedule every="5 fortnights"/></host>`,
    expect: ["f.xml:2:26 error: bad duration '5 fortnights' for every"],
  },
  {
    name: 'bad expression',
    xml: `<command name="c" engine="http"><parameter name="p">x #{coalesce(host.address, }</parameter></command>`,
    expect: ['f.xml:2:80 error: bad expression: expression ends too early'],
  },
  {
    name: 'unknown function in an expression',
    xml: `<command name="c" engine="http"><parameter name="p">#{frobnicate(1)}</parameter></command>`,
    expect: ["f.xml:2:55 error: bad expression: unknown function 'frobnicate' (known: coalesce, if, resolve_credentials, concat, lower, upper)"],
  },
  {
    name: 'bad state threshold',
    xml: `<service name="s" template="yes"><state failed-after="0"/></service>`,
    expect: ["f.xml:2:41 error: failed-after must be a whole number of results from 1 to 9999, not '0'"],
  },
  {
    name: 'group cycle',
    xml: `<group name="a" groups="b"/>\n<group name="b" groups="a"/>`,
    expect: ['f.xml:2:1 error: group cycle: a -> b -> a'],
  },
  {
    name: 'a service outside any host',
    xml: `<service name="s"/>`,
    expect: ["f.xml:2:1 error: service 's' is not inside a host and is not a template"],
  },
  {
    name: 'bad time range',
    xml: `<time-period name="p"><time-range>mondy 09:00-17:00</time-range></time-period>`,
    expect: ["f.xml:2:35 error: bad time range 'mondy 09:00-17:00': unknown day 'mondy': expected a weekday (monday..sunday), a month (january..december), 'day', or a date YYYY-MM-DD"],
  },
  {
    name: 'bad time zone',
    xml: `<time-period name="p" time-zone="Mars/Olympus"/>`,
    expect: ["f.xml:2:23 error: unknown time zone 'Mars/Olympus': expected an IANA name such as 'Europe/London' or 'UTC'"],
  },
  {
    name: 'time period exclusion cycle',
    xml: `<time-period name="a" excludes="b"/>\n<time-period name="b" excludes="a"/>`,
    expect: ['f.xml:2:1 error: time-period exclusion cycle: a -> b -> a'],
  },
  {
    name: 'a service without a command',
    xml: `<host name="h"><service name="s"/></host>`,
    expect: ["f.xml:2:16 error: service 's' on host 'h' has no <check-command>"],
  },
  {
    name: 'a cluster without a condition',
    xml: `<cluster name="c"/>`,
    expect: ["f.xml:2:1 error: cluster 'c' has no <condition>"],
  },
  {
    name: 'command without an engine',
    xml: `<command name="c"/>`,
    expect: ["f.xml:2:1 error: command 'c' has no engine"],
  },
  {
    name: 'a bad freshness duration',
    xml: `<host name="h"><trap name="backup"><freshness every="daily" grace="-1m"/></trap></host>`,
    expect: ["f.xml:2:47 error: bad duration 'daily' for every", "f.xml:2:61 error: bad duration '-1m' for grace"],
  },
  {
    name: 'an unknown parent host, and hosts that are each other\'s parents',
    xml: `<host name="a" parents="b"/><host name="b" parents="a, routr"/>`,
    expect: [
      "f.xml:2:1 error: host parent cycle: a -> b -> a",
      "f.xml:2:44 error: unknown host 'routr' (used by host 'b')",
    ],
  },
  {
    name: 'notification settings naming what does not exist',
    xml: `<contact name="c"><notifications time-period="nights" ignore="warning, meh"><notification-engine engine="pager"/>
<escalate after="1h"><notify teams="bosses" contacts="d"/></escalate></notifications></contact>`,
    expect: [
      "f.xml:2:34 error: unknown time-period 'nights' (used by contact 'c')",
      "f.xml:2:55 error: unknown status 'meh' in ignore",
      "f.xml:2:98 error: unknown notification engine 'pager'",
      "f.xml:3:30 error: unknown team 'bosses' (used by contact 'c')",
      "f.xml:3:45 error: unknown contact 'd' (used by contact 'c')",
    ],
  },
  {
    name: 'a bad re-notification interval',
    xml: `<contact name="c"><notifications renotify-every="often"/></contact>`,
    expect: ["f.xml:2:34 error: bad duration 'often' for renotify-every"],
  },
];

for (const { name, xml, expect } of cases) {
  test(`reports ${name} at its place`, () => {
    const loaded = loadXml({ 'f.xml': xml });
    const errors = diagnosticLines(loaded).filter((line) => line.includes(' error: '));
    assert.deepEqual(errors, expect);
  });
}

test('malformed XML is reported with line and column, and other files are still read', () => {
  const loaded = loadConfiguration([
    { path: 'bad.xml', text: '<bergamot site="s">\n  <host name="a">\n</bergamot>' },
    { path: 'good.xml', text: '<bergamot site="s"><host name="b" adress="x"/></bergamot>' },
  ]);
  const lines = diagnosticLines(loaded);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^bad\.xml:3:\d+ error: malformed XML: /);
  assert.match(lines[1]!, /^good\.xml:1:35 error: unknown attribute 'adress'/);
});

test('every problem in the input is reported in one run', () => {
  const xml = cases.map((c) => c.xml.replaceAll('name="', `name="${c.name.length}-`)).join('\n');
  const loaded = loadXml({ 'all.xml': cases.map((c) => c.xml).join('\n') });
  assert.ok(loaded.diagnostics.errorCount >= cases.length - 1, `${loaded.diagnostics.errorCount} errors for ${cases.length} cases: ${xml.length}`);
});

test('a problem says what to do, in the form editors link to', () => {
  const loaded = loadXml({ 'f.xml': `<host name="h" adress="10.0.0.1"/>` });
  assert.equal(
    formatDiagnostic(loaded.diagnostics.items[0]!),
    "f.xml:2:16: error: unknown attribute 'adress' on <host>\n    did you mean 'address'?",
  );
});

test('a reference that is wrong only in an unused template is a warning; using the template makes it an error', () => {
  const template = `<host name="t" template="yes"><service name="s"><check-command command="missing"/></service></host>`;
  const unused = loadXml({ 'f.xml': template });
  assert.deepEqual(diagnosticLines(unused), ["f.xml:2:64 warning: unknown command 'missing' (used by service 's')"]);
  const used = loadXml({ 'f.xml': `${template}\n<host name="h1" extends="t"/>\n<host name="h2" extends="t"/>` });
  assert.deepEqual(diagnosticLines(used), ["f.xml:2:64 error: unknown command 'missing' (used by service 'h1/s')"], 'reported once, as an error');
});
