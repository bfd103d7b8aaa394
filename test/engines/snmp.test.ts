import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Deadline, Engine, EngineResult } from '#engines/engine.ts';
import { CheckParameters } from '#engines/parameters.ts';
import { createSnmpEngine, snmpEngine } from '#engines/snmp/snmp-engine.ts';
import { engineCheck, runEngine } from '../helpers/engine-check.ts';
import { missingSnmpd, SNMPD_COMMUNITY, SNMPD_SYS_NAME, SNMPD_USERS, startSnmpd, type Snmpd } from '../helpers/snmpd-peer.ts';

const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const SYSTEM = '1.3.6.1.2.1.1';
/** snmpInPkts: counts every request the agent receives, so it moves between two checks. */
const SNMP_IN_PKTS = '1.3.6.1.2.1.11.1.0';
/** ifHCInOctets of interface 1 (loopback): a Counter64. */
const IF_HC_IN_OCTETS_1 = '1.3.6.1.2.1.31.1.1.1.6.1';

const { authPriv, authNoPriv, noAuthNoPriv } = SNMPD_USERS;

/**
 * A deadline that never passes but tells the engine it has `remainingMs` left: the engine's own
 * request timeouts then decide, whatever the machine's load, so "no answer" is tested without a
 * race against runCheck's deadline.
 */
function fixedDeadline(remainingMs: number, signal = new AbortController().signal): Deadline {
  return { atMs: Date.now() + remainingMs, signal, remainingMs: () => remainingMs };
}

function runDirect(engine: Engine, values: Record<string, string>, deadline: Deadline): Promise<EngineResult> {
  return engine.run(engineCheck('snmp'), new CheckParameters(values, [], engine.parameters), deadline);
}

describe('snmp engine against a real snmpd', { skip: missingSnmpd() ?? false }, () => {
  let agent: Snmpd;
  before(async () => {
    agent = await startSnmpd();
  });
  after(() => agent?.stop());

  const v2c = (values: Record<string, string>) => ({ port: String(agent.port), snmp_community: SNMPD_COMMUNITY, ...values });
  const get = (values: Record<string, string>) => runEngine(snmpEngine, v2c(values), { secretNames: ['snmp_community'] });

  describe('v2c', () => {
    test('get a string, by OID or with a label', async () => {
      const byOid = await get({ oid: SYS_NAME });
      assert.deepEqual([byOid.status, byOid.output, byOid.readings], ['OK', `${SYS_NAME} = "${SNMPD_SYS_NAME}"`, []]);
      const labelled = await get({ oid: SYS_NAME, label: 'sysName', snmp_version: '2' });
      assert.equal(labelled.output, `sysName = "${SNMPD_SYS_NAME}"`);
    });

    test('TimeTicks are read in seconds: a reading, and thresholds below a value', async () => {
      const result = await get({ oid: SYS_UPTIME, label: 'uptime', threshold_direction: 'below', warning: '1000000000', critical: '0' });
      assert.equal(result.status, 'WARNING');
      assert.match(result.output, /^uptime = (\d+d )?(\d+h )?(\d+m )?\d+s \(\d+ ticks\); uptime is below the warning threshold 1000000000s$/);
      assert.equal(result.readings.length, 1);
      assert.deepEqual({ ...result.readings[0], value: 0 }, { name: 'uptime', value: 0, unit: 's', warning: 1000000000, critical: 0 });
    });

    test('text: expect and match', async () => {
      assert.equal((await get({ oid: SYS_NAME, expect: SNMPD_SYS_NAME })).status, 'OK');
      const wrong = await get({ oid: SYS_NAME, label: 'sysName', expect: 'db-1' });
      assert.deepEqual([wrong.status, wrong.output], ['CRITICAL', `sysName = "${SNMPD_SYS_NAME}"; sysName is not "db-1"`]);
      assert.equal((await get({ oid: SYS_DESCR, match: '^Linux ' })).status, 'OK');
      const mismatch = await get({ oid: SYS_DESCR, match: '^Windows' });
      assert.equal(mismatch.status, 'CRITICAL');
      assert.match(mismatch.output, /does not match \/\^Windows\/$/);
    });

    test('several OIDs in one get', async () => {
      const result = await get({ oid: `${SYS_NAME}, ${SYS_UPTIME}` });
      assert.equal(result.status, 'OK');
      assert.equal(result.output, 'get: 2 values');
      assert.match(result.longOutput ?? '', new RegExp(`^${SYS_NAME} = "${SNMPD_SYS_NAME}"\\n${SYS_UPTIME} = .*ticks\\)$`));
      assert.deepEqual(result.readings.map((r) => r.name), [SYS_UPTIME]);
    });

    test('walk the system subtree', async () => {
      const result = await get({ oid: SYSTEM, mode: 'walk', label: 'system' });
      assert.equal(result.status, 'OK');
      assert.match(result.output, /^walk of 1\.3\.6\.1\.2\.1\.1: \d+ values$/);
      const lines = (result.longOutput ?? '').split('\n');
      assert.ok(lines.length >= 7, result.longOutput);
      assert.ok(lines.includes(`system.5.0 = "${SNMPD_SYS_NAME}"`), result.longOutput);
      assert.ok(result.readings.some((r) => r.name === 'system.3.0' && r.unit === 's'));
    });

    test('numeric thresholds, above by default; Counter64 values', async () => {
      const counter = await get({ oid: IF_HC_IN_OCTETS_1, label: 'lo_in', warning: '-1' });
      assert.equal(counter.status, 'WARNING');
      assert.match(counter.output, /^lo_in = \d+; lo_in is above the warning threshold -1$/);
      assert.deepEqual(counter.readings.map((r) => [r.name, r.unit, r.warning]), [['lo_in', 'c', -1]]);
      const text = await get({ oid: SYS_NAME, critical: '5' });
      assert.equal(text.status, 'UNKNOWN');
      assert.match(text.output, /is not a number, so warning and critical cannot judge it$/);
    });

    test('an OID the agent does not have is UNKNOWN, in v2c and in v1', async () => {
      const v2 = await get({ oid: '1.3.6.1.2.1.1.99.0' });
      assert.deepEqual([v2.status, v2.output], ['UNKNOWN', '1.3.6.1.2.1.1.99.0 does not exist on the agent (noSuchObject)']);
      const partly = await get({ oid: `${SYS_NAME},1.3.6.1.2.1.1.99.0` });
      assert.deepEqual([partly.status, partly.output, partly.longOutput], ['UNKNOWN', 'get: 2 values; 1.3.6.1.2.1.1.99.0 does not exist on the agent (noSuchObject)', `${SYS_NAME} = "${SNMPD_SYS_NAME}"\n1.3.6.1.2.1.1.99.0: noSuchObject`]);
      const v1 = await get({ oid: '1.3.6.1.2.1.1.99.0', snmp_version: '1' });
      assert.deepEqual([v1.status, v1.output], ['UNKNOWN', `the SNMP agent at 127.0.0.1:${agent.port} answered with an error: NoSuchName: 1.3.6.1.2.1.1.99.0`]);
      const walk = await get({ oid: '1.3.6.1.4.1.99999', mode: 'walk' });
      assert.deepEqual([walk.status, walk.output], ['UNKNOWN', `nothing under 1.3.6.1.4.1.99999 on the agent at 127.0.0.1:${agent.port}`]);
    });

    test('a wrong community gets no answer: CRITICAL, and the community is not shown', async () => {
      const result = await runDirect(snmpEngine, v2c({ oid: SYS_NAME, snmp_community: 'not-the-community' }), fixedDeadline(400));
      assert.equal(result.status, 'CRITICAL');
      assert.equal(
        result.output,
        `no answer from the SNMP agent at 127.0.0.1:${agent.port} (2 tries of 180 ms): it is down, the community is wrong, or it does not accept requests from here`,
      );
      assert.ok(!JSON.stringify(result).includes('not-the-community'));
    });

    test('at the deadline the request stops: TIMEOUT', async () => {
      const controller = new AbortController();
      const running = runDirect(snmpEngine, v2c({ oid: SYS_NAME, snmp_community: 'not-the-community' }), fixedDeadline(60_000, controller.signal));
      setTimeout(() => controller.abort(new Error('deadline passed')), 20);
      const result = await running;
      assert.deepEqual([result.status, result.output], ['TIMEOUT', `SNMP get of ${SYS_NAME} from 127.0.0.1:${agent.port}: no answer from 127.0.0.1:${agent.port} before the deadline`]);
    });

    test('configuration mistakes are named', async () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ oid: 'sysName.0' }, /parameter 'oid': expected a numeric OID such as 1\.3\.6\.1\.2\.1\.1\.3\.0, got 'sysName\.0' \(MIB names are not loaded\)/],
        [{ oid: SYS_NAME, snmp_version: '4' }, /parameter 'snmp_version': expected 1, 2c or 3, got '4'/],
        [{ oid: `${SYS_NAME},${SYS_UPTIME}`, mode: 'walk' }, /parameter 'oid': a walk starts from one OID/],
        [{ oid: SYS_NAME, match: '(' }, /parameter 'match': is not a regular expression/],
        [{ oid: SYS_NAME, snmp_version: '3', snmp_user: 'x', snmp_password: 'pass-word', snmp_auth: 'sha3' }, /parameter 'snmp_auth': expected one of none, md5, sha, sha1/],
      ];
      for (const [values, expected] of cases) {
        const result = await get(values);
        assert.equal(result.status, 'ERROR', JSON.stringify(values));
        assert.match(result.output, expected);
      }
      const scripted = await runEngine(snmpEngine, v2c({}), { check: { command: { name: 'check-snmp-uptime', engine: 'snmp', script: 'agent.getValue(...)' } } });
      assert.deepEqual([scripted.status, scripted.output], ['ERROR', "command check-snmp-uptime has a <script> (Bergamot's scripted SNMP executor), which the snmp engine does not run: give it an oid parameter instead"]);
    });
  });

  describe('v3', () => {
    const v3 = (user: Record<string, string>, values: Record<string, string> = {}) => ({ port: String(agent.port), snmp_version: '3', oid: SYS_NAME, ...user, ...values });
    const secretNames = ['snmp_password', 'snmp_priv_password'];

    test('authPriv (SHA, AES), authNoPriv (MD5) and noAuthNoPriv', async () => {
      const users: Record<string, string>[] = [
        { snmp_user: authPriv.name, snmp_auth: 'sha', snmp_password: authPriv.authPassword, snmp_priv: 'aes', snmp_priv_password: authPriv.privPassword },
        { snmp_user: authNoPriv.name, snmp_auth: 'md5', snmp_password: authNoPriv.authPassword, snmp_priv: 'none' },
        { snmp_user: noAuthNoPriv.name, snmp_auth: 'none', snmp_priv: 'none' },
      ];
      for (const user of users) {
        const result = await runEngine(snmpEngine, v3(user), { secretNames });
        assert.deepEqual([result.status, result.output], ['OK', `${SYS_NAME} = "${SNMPD_SYS_NAME}"`], user.snmp_user);
      }
    });

    test('a wrong authentication password or an unknown user is refused: UNKNOWN, saying why', async () => {
      const wrongAuth = await runEngine(snmpEngine, v3({ snmp_user: authPriv.name, snmp_password: 'wrong-auth-pass', snmp_priv_password: authPriv.privPassword }), { secretNames });
      assert.deepEqual([wrongAuth.status, wrongAuth.output], ['UNKNOWN', `the SNMP agent at 127.0.0.1:${agent.port} refused the request: Wrong Digest (incorrect password, community or key)`]);
      const unknown = await runEngine(snmpEngine, v3({ snmp_user: 'mallory', snmp_password: 'some-password' }), { secretNames });
      assert.deepEqual([unknown.status, unknown.output], ['UNKNOWN', `the SNMP agent at 127.0.0.1:${agent.port} refused the request: Unknown User Name`]);
      const tooHigh = await runEngine(snmpEngine, v3({ snmp_user: authNoPriv.name, snmp_auth: 'md5', snmp_password: authNoPriv.authPassword }), { secretNames });
      assert.deepEqual([tooHigh.status, tooHigh.output], ['UNKNOWN', `the SNMP agent at 127.0.0.1:${agent.port} refused the request: Unsupported Security Level`]);
    });

    test('a wrong privacy password gets no answer: CRITICAL, without the password', async () => {
      const values = v3({ snmp_user: authPriv.name, snmp_password: authPriv.authPassword, snmp_priv_password: 'wrong-priv-pass' });
      const result = await runDirect(snmpEngine, values, fixedDeadline(400));
      assert.equal(result.status, 'CRITICAL');
      assert.match(result.output, /it is down, the privacy password is wrong, or it does not accept requests from here$/);
      assert.ok(!JSON.stringify(result).includes('wrong-priv-pass') && !JSON.stringify(result).includes(authPriv.authPassword));
    });

    test('DES privacy, which OpenSSL 3 lacks, is an ERROR saying so', async () => {
      const result = await runEngine(snmpEngine, v3({ snmp_user: authPriv.name, snmp_password: authPriv.authPassword, snmp_priv: 'des' }), { secretNames });
      assert.equal(result.status, 'ERROR');
      assert.match(result.output, /DES privacy is not available: this Node\.js runtime \(OpenSSL 3\) has no DES cipher/);
    });
  });

  describe('rates', () => {
    test('the first sample is PENDING, the next gives a per-second rate that thresholds judge', async () => {
      let nowMs = 1_000_000;
      const engine = createSnmpEngine({ now: () => nowMs });
      const values = v2c({ oid: SNMP_IN_PKTS, label: 'in_pkts', rate: 'true', critical: '1000' });
      const first = await runEngine(engine, values);
      assert.equal(first.status, 'PENDING');
      assert.match(first.output, /^first sample of in_pkts = \d+ \(first sample\); rates are available from the next check$/);
      assert.deepEqual(first.readings, []);

      nowMs += 10_000;
      const second = await runEngine(engine, values);
      assert.equal(second.status, 'OK', second.output);
      assert.match(second.output, /^in_pkts = [\d.]+\/s \(counter \d+\)$/);
      const [reading] = second.readings;
      // Every request between the two samples counts: at least our own second get, over 10 s.
      assert.ok(reading && reading.value >= 0.1 && reading.unit === '/s' && reading.critical === 1000, JSON.stringify(second.readings));

      nowMs += 10_000;
      const judged = await runEngine(engine, { ...values, critical: '0' });
      assert.equal(judged.status, 'CRITICAL');
      assert.match(judged.output, /^in_pkts = [\d.]+\/s \(counter \d+\); in_pkts is above the critical threshold 0\/s$/);
    });

    test('rates are per check, and a value that is not a counter has none', async () => {
      let nowMs = 0;
      const engine = createSnmpEngine({ now: () => nowMs });
      const values = v2c({ oid: SNMP_IN_PKTS, rate: 'true' });
      assert.equal((await runEngine(engine, values, { check: { checkId: 'check-a' } })).status, 'PENDING');
      nowMs += 5_000;
      assert.equal((await runEngine(engine, values, { check: { checkId: 'check-b' } })).status, 'PENDING', 'another check starts its own samples');
      assert.equal((await runEngine(engine, values, { check: { checkId: 'check-a' } })).status, 'OK');
      const text = await runEngine(engine, v2c({ oid: SYS_NAME, rate: 'true' }));
      assert.deepEqual([text.status, text.output], ['UNKNOWN', `${SYS_NAME} = "${SNMPD_SYS_NAME}"; ${SYS_NAME} is not a counter, so it has no rate`]);
    });
  });
});
