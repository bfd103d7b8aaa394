import assert from 'node:assert/strict';
import { chmod, symlink } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Deadline } from '#engines/engine.ts';
import { createNagiosEngine } from '#engines/nagios/nagios-engine.ts';
import { splitCommandLine } from '#engines/nagios/command-line.ts';
import { CheckParameters } from '#engines/parameters.ts';
import { engineCheck, runEngine } from '../helpers/engine-check.ts';
import { closedPort, closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { createScriptDir, DEBIAN_PLUGIN_DIR, isRunning, missingPlugins, readPid, stopsRunning, type ScriptDir } from '../helpers/plugins.ts';

const PLUGIN = (name: string) => `${DEBIAN_PLUGIN_DIR}/${name}`;

describe('splitting a command line', () => {
  const cases: [string, string[]][] = [
    ['/p/check_load -w 5,4,3 -c 10,8,6', ['/p/check_load', '-w', '5,4,3', '-c', '10,8,6']],
    [`check_http  -s 'Welcome home'   -u "/a b"`, ['check_http', '-s', 'Welcome home', '-u', '/a b']],
    [`x 'it'\\''s' "say \\"hi\\" \\$HOME \\n"`, ['x', "it's", 'say "hi" $HOME \\n']],
    [`x a\\ b '' ""`, ['x', 'a b', '', '']],
    [`x $(id) $HOME * ~`, ['x', '$(id)', '$HOME', '*', '~']],
    [`x 'a|b' "c;d" e\\&f`, ['x', 'a|b', 'c;d', 'e&f']],
    ['x -r ^OK$', ['x', '-r', '^OK$']],
  ];
  for (const [line, words] of cases) test(line, () => assert.deepEqual(splitCommandLine(line), words));

  test('unterminated quotes and shell operators are refused with their place', () => {
    assert.throws(() => splitCommandLine(`x 'abc`), /unterminated single quote at character 3/);
    assert.throws(() => splitCommandLine(`x "abc`), /unterminated double quote at character 3/);
    assert.throws(() => splitCommandLine('x \\'), /lone backslash/);
    for (const line of ['x | y', 'x; rm -rf /', 'x && y', 'x > /etc/passwd', 'x `id`']) {
      assert.throws(() => splitCommandLine(line), /is shell syntax, but plugins run without a shell/, line);
    }
  });
});

describe('nagios engine', () => {
  let scripts: ScriptDir;
  let engine: ReturnType<typeof createNagiosEngine>;
  before(async () => {
    scripts = await createScriptDir();
    engine = createNagiosEngine({ pluginDirs: [DEBIAN_PLUGIN_DIR, scripts.dir], killGraceMs: 200 });
  });
  after(() => scripts.remove());

  const run = (commandLine: string, timeoutMs?: number) => runEngine(engine, { command_line: commandLine }, timeoutMs ? { timeoutMs } : {});

  describe('real plugins', { skip: missingPlugins('check_dummy', 'check_tcp', 'check_http', 'check_disk', 'check_load') }, () => {
    test('check_dummy: each exit code gives its status, with the text', async () => {
      const results = await Promise.all([0, 1, 2, 3].map((code) => run(`${PLUGIN('check_dummy')} ${code} "state ${code}"`)));
      assert.deepEqual(results.map((r) => [r.status, r.output]), [
        ['OK', 'OK: state 0'],
        ['WARNING', 'WARNING: state 1'],
        ['CRITICAL', 'CRITICAL: state 2'],
        ['UNKNOWN', 'UNKNOWN: state 3'],
      ]);
    });

    test('a bare plugin name is found in the plugin directories', async () => {
      const result = await run('check_dummy 0 found');
      assert.deepEqual([result.status, result.output], ['OK', 'OK: found']);
    });

    test('check_tcp against a listening server and a closed port', async () => {
      const server = createServer((socket) => socket.end());
      const port = await listenOnLoopback(server);
      try {
        const open = await run(`${PLUGIN('check_tcp')} -H 127.0.0.1 -p ${port}`);
        assert.equal(open.status, 'OK', open.output);
        assert.match(open.output, /^TCP OK - [\d.]+ second response time on 127\.0\.0\.1 port \d+$/);
        assert.equal(open.readings[0]?.name, 'time');
        assert.equal(open.readings[0]?.unit, 's');
      } finally {
        await closeServer(server);
      }
      const closed = await run(`${PLUGIN('check_tcp')} -H 127.0.0.1 -p ${await closedPort()}`);
      assert.equal(closed.status, 'CRITICAL');
      assert.match(closed.output, /Connection refused/);
    });

    test('check_http against a node HTTP server: status, expected text, readings', async () => {
      const server = createHttpServer((request, response) => {
        response.writeHead(request.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
        response.end('all systems go');
      });
      const port = await listenOnLoopback(server);
      try {
        const ok = await run(`${PLUGIN('check_http')} -H 127.0.0.1 -p ${port} -u /health -s 'systems go'`);
        assert.equal(ok.status, 'OK', ok.output);
        assert.match(ok.output, /^HTTP OK: HTTP\/1\.1 200 OK/);
        assert.deepEqual(ok.readings.map((r) => r.name), ['time', 'size']);
        const missing = await run(`${PLUGIN('check_http')} -H 127.0.0.1 -p ${port} -u /nope`);
        assert.equal(missing.status, 'WARNING'); // check_http's verdict on a 4xx
        assert.match(missing.output, /404 Not Found/);
      } finally {
        await closeServer(server);
      }
    });

    test('check_disk on / and check_load give readings', async () => {
      const disk = await run(`${PLUGIN('check_disk')} -w 0% -c 0% -p /`);
      assert.equal(disk.status, 'OK', disk.output);
      const root = disk.readings.find((r) => r.name === '/');
      assert.ok(root && root.value > 0 && root.max !== undefined && root.max >= root.value, JSON.stringify(disk.readings));

      const load = await run(`${PLUGIN('check_load')} -w 1000,1000,1000 -c 2000,2000,2000`);
      assert.equal(load.status, 'OK', load.output);
      assert.deepEqual(load.readings.map((r) => [r.name, r.warning, r.critical]), [
        ['load1', 1000, 2000],
        ['load5', 1000, 2000],
        ['load15', 1000, 2000],
      ]);
    });
  });

  describe('which programs may run', () => {
    test('a path outside the plugin directories, with .., or relative is refused', async () => {
      const cases: [string, RegExp][] = [
        ['/bin/sh -c id', /^Cannot run plugin: plugin \/bin\/sh is outside the plugin directories \(\/usr\/lib\/nagios\/plugins, /],
        [`${DEBIAN_PLUGIN_DIR}/../../../bin/sh -c id`, /must not contain '\.' or '\.\.' segments/],
        ['./check_dummy 0', /plugin path \.\/check_dummy must be absolute/],
        ['sh -c id', /plugin sh is not in any of the plugin directories/],
      ];
      for (const [line, expected] of cases) {
        const result = await run(line);
        assert.equal(result.status, 'ERROR', line);
        assert.match(result.output, expected);
      }
    });

    test('a missing or non-executable plugin is an ERROR naming its path', async () => {
      const missing = await run(`${DEBIAN_PLUGIN_DIR}/check_nothing_here -H x`);
      assert.deepEqual([missing.status, missing.output], ['ERROR', `Cannot run plugin: plugin ${DEBIAN_PLUGIN_DIR}/check_nothing_here does not exist`]);
      const path = await scripts.write('not_executable', 'echo hi');
      await chmod(path, 0o644);
      const plain = await run(path);
      assert.deepEqual([plain.status, plain.output], ['ERROR', `Cannot run plugin: plugin ${path} is not executable`]);
    });

    test('a symbolic link leading out of the plugin directories is refused', async () => {
      await symlink('/bin/sh', scripts.path('sneaky'));
      const result = await run(`${scripts.path('sneaky')} -c id`);
      assert.equal(result.status, 'ERROR');
      assert.match(result.output, /sneaky leads to .*sh, outside the plugin directories/);
    });

    test('shell syntax in the command line is a configuration error', async () => {
      const result = await run(`${PLUGIN('check_dummy')} 0 ok | mail root`);
      assert.equal(result.status, 'ERROR');
      assert.match(result.output, /^Bad configuration: parameter 'command_line': '\|' at character \d+ is shell syntax/);
    });
  });

  describe('the plugin process', () => {
    test('gets a minimal environment, none of the worker\'s variables', async () => {
      process.env['VIGIL_TEST_SECRET'] = 'hunter2';
      try {
        const path = await scripts.write('show_env', 'echo "env"; env | sort');
        const result = await run(path);
        assert.equal(result.status, 'OK');
        const variables = (result.longOutput ?? '').split('\n').map((line) => line.split('=')[0]);
        assert.ok(!variables.includes('VIGIL_TEST_SECRET'), result.longOutput);
        assert.ok(variables.includes('PATH') && variables.includes('LC_ALL'), result.longOutput);
        assert.ok(!(result.longOutput ?? '').includes('hunter2'));
      } finally {
        delete process.env['VIGIL_TEST_SECRET'];
      }
    });

    test('exit codes out of range, signals and stderr-only output are explained', async () => {
      const odd = await run(await scripts.write('odd_exit', 'echo "strange"; exit 42'));
      assert.deepEqual([odd.status, odd.output], ['UNKNOWN', 'strange (return code 42 is out of bounds)']);
      const crashed = await run(await scripts.write('crash', 'echo "half"; kill -SEGV $$'));
      assert.deepEqual([crashed.status, crashed.output], ['UNKNOWN', 'crash was killed by SIGSEGV: half']);
      const stderr = await run(await scripts.write('stderr_only', 'echo "cannot open /dev/thing" >&2; exit 2'));
      assert.deepEqual([stderr.status, stderr.output], ['CRITICAL', '(no output on stdout; stderr: cannot open /dev/thing)']);
    });

    test('stdout is capped; a cut last line gives no reading', async () => {
      // 200 KiB of long output, then a line that would be cut in the middle.
      const path = await scripts.write('chatty', 'echo "OK - chatty | first=1"; head -c 204800 /dev/zero | tr "\\0" "x"; echo; echo "last=123456"');
      const result = await run(path);
      assert.equal(result.status, 'OK');
      assert.equal(result.output, 'OK - chatty');
      assert.deepEqual(result.readings, [{ name: 'first', value: 1 }]);
      assert.match(result.longOutput ?? '', /\(output cut at 64 KiB\)$/);
    });

    test('a child the plugin left running is killed when the plugin exits', async () => {
      const pidFile = scripts.path('leftover.pid');
      const path = await scripts.write('leaves_child', `sleep 1000 & echo $! > ${pidFile}; echo "OK - done"`);
      const result = await run(path);
      assert.deepEqual([result.status, result.output], ['OK', 'OK - done']);
      assert.equal(await stopsRunning(await readPid(pidFile)), true);
    });

    test('at the deadline the whole process group is killed, even one that ignores SIGTERM', async () => {
      const pidFile = scripts.path('stuck.pid');
      // The shell ignores SIGTERM, and so does its child (ignored signals are inherited):
      // only the SIGKILL after the grace period stops them.
      const path = await scripts.write('stuck', `trap '' TERM; echo $$ > ${pidFile}.shell; sleep 1000 & echo $! > ${pidFile}; wait`);
      const controller = new AbortController();
      const deadline: Deadline = { atMs: Date.now(), signal: controller.signal, remainingMs: () => 0 };
      const running = engine.run(engineCheck('nagios'), new CheckParameters({ command_line: path }, [], engine.parameters), deadline);
      // Abort once the script has started its child, so the kill has a tree to take down.
      while (!(await isRunning(await readPid(pidFile).catch(() => -1)))) await new Promise((resolve) => setTimeout(resolve, 10));
      const [childPid, shellPid] = [await readPid(pidFile), await readPid(`${pidFile}.shell`)];
      controller.abort(new Error('deadline passed'));
      const result = await running;
      assert.equal(result.status, 'TIMEOUT');
      assert.equal(result.output, 'stuck did not finish before the deadline and was killed');
      assert.equal(await stopsRunning(childPid), true, 'the child sleep was killed');
      assert.equal(await stopsRunning(shellPid), true, 'the plugin was killed');
    });

    test('through runCheck, a plugin that hangs gives TIMEOUT at the deadline', async () => {
      const pidFile = scripts.path('hang.pid');
      const path = await scripts.write('hang', `sleep 1000 & echo $! > ${pidFile}; wait`);
      const result = await run(path, 300);
      assert.equal(result.status, 'TIMEOUT');
      assert.match(result.output, /did not finish within 300ms/);
      // The engine is still killing it (SIGTERM stops sleep at once); wait for the group to go.
      const childPid = await readPid(pidFile);
      for (let i = 0; i < 200 && (await isRunning(childPid)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(await isRunning(childPid), false);
    });
  });
});
