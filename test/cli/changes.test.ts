/**
 * `vigil diff`, `apply`, `history` and `rollback` against a real database (DATABASE_URL, as an
 * operator pointing the CLI at their server would): what a change would do, doing it, the
 * record of it, and going back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { vigil } from '../helpers/cli.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql, url } = await withTestDatabase();
process.env.DATABASE_URL = url;

const directory = mkdtempSync(join(tmpdir(), 'vigil-changes-'));
function write(port: string, extra = ''): void {
  writeFileSync(join(directory, 'commands.xml'), `<bergamot site="cli">
  <command name="http" engine="http"><parameter name="port">${port}</parameter></command>
</bergamot>\n`);
  writeFileSync(join(directory, 'hosts.xml'), `<bergamot site="cli">
  <host name="web-1" address="10.0.0.1">
    <service name="page"><check-command command="http"/></service>
    ${extra}
  </host>
</bergamot>\n`);
}

test('diff shows what an apply would do and changes nothing; apply does it and says what it wrote', async () => {
  write('80', '<service name="api"><check-command command="http"/></service>');
  const diff = await vigil('diff', directory);
  assert.equal(diff.code, 0, diff.err);
  assert.match(diff.out, /^site cli: 5 added, 0 changed, 0 removed\n {2}\+ site cli\n {2}\+ command http\n {2}\+ host web-1\n {2}\+ service web-1\/api\n {2}\+ service web-1\/page$/m);
  assert.equal((await sql`select id from site where name = 'cli'`).length, 0, 'a diff stores nothing');

  const first = await vigil('apply', directory, '--by', 'ops@example.com');
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /applied site cli as change \d+: .*3 checks.*; 3 checks written, 0 removed \(\d+ ms\)/);

  write('8080');
  const next = await vigil('diff', directory);
  assert.match(next.out, /^site cli: 0 added, 2 changed, 1 removed\n {2}~ command http: parameters\.port\n {2}~ service web-1\/page: run\n {2}- service web-1\/api$/m);
  const second = await vigil('apply', directory, '--by', 'ops@example.com');
  assert.match(second.out, /; 2 checks written, 1 removed/);
});

test('history lists the changes newest first; rollback goes back to one as a new change', async () => {
  const history = await vigil('history', '--site', 'cli');
  assert.equal(history.code, 0, history.err);
  const lines = history.out.split('\n').filter((line) => line.startsWith('  change'));
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^ {2}change (\d+) {2}\d{4}-\d\d-\d\dT\S+ {2}by ops@example\.com: 2 checks, 2 written, 1 removed; 2 files$/);
  const firstId = Number(/change (\d+)/.exec(lines[1]!)![1]);

  const dry = await vigil('rollback', String(firstId), '--dry-run');
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /site cli: 1 added, 2 changed, 0 removed[\s\S]*dry run: nothing was changed/);
  const back = await vigil('rollback', String(firstId), '--by', 'ops@example.com');
  assert.equal(back.code, 0, back.err);
  assert.match(back.out, new RegExp(`rolled site cli back to change ${firstId} as change \\d+: 3 checks written, 0 removed`));
  const [port] = await sql`
    select r.parameters->>'port' as port from check_run r join "check" c on c.id = r.check_id join site s on s.id = c.site_id
    where s.name = 'cli' and c.name = 'api'`;
  assert.equal(port!.port, '80');
  assert.match((await vigil('history', '--site', 'cli', '--limit', '1')).out, new RegExp(`rolled back to change ${firstId}$`));
});

test('mistakes are named: an unknown change, an unknown site, a bad limit, a configuration with errors', async () => {
  assert.deepEqual(await vigil('rollback', '999999'), { code: 1, out: '', err: 'vigil: there is no configuration change 999999' });
  assert.deepEqual(await vigil('history', '--site', 'nope'), { code: 2, out: '', err: "vigil: there is no site named 'nope'" });
  assert.equal((await vigil('history', '--limit', 'all')).code, 2);
  assert.equal((await vigil('rollback')).code, 2);
  writeFileSync(join(directory, 'hosts.xml'), '<bergamot site="cli">\n  <host name="web-1"><service name="x"><check-command command="gone"/></service></host>\n</bergamot>\n');
  const broken = await vigil('diff', directory);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /hosts\.xml:2:\d+: .*unknown command 'gone'[\s\S]*1 errors; fix them first/);
});
