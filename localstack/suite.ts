/**
 * The LocalStack integration suite's steps, after localstack/run-suite.ts has found LocalStack.
 * One check's life end to end, through the deployed stacks and nothing else:
 *
 *   EventBridge rate(1 minute) -> scheduler Lambda -> SQS check queue (us-east-1, eu-west-1)
 *     -> worker Lambdas -> SQS results queue -> result processor Lambda -> PostgreSQL
 *     -> EventBridge CheckStateChanged -> notifier queue -> notifier Lambda -> alert, notification
 *     -> WebSocket API push (@connections) -> a subscribed client
 *
 * Each step prints what it waits for and how long it took; the first that fails stops the suite
 * with what it saw.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { createUser, setMemberRole } from '#api/auth/accounts.ts';
import { createApiToken } from '#api/auth/api-tokens.ts';
import { loadFiles } from '#cli/vigil.ts';
import { connect, type Database } from '#store/database.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import type { VigilConfig } from '../infra/config.ts';
import { deployToLocalStack, LOCALSTACK_CREDENTIALS } from './deploy.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SITE = 'localstack-suite';
/** A tick a minute, a job delayed until due within the minute, cold Lambda containers: generous. */
const CHECKS_TIMEOUT_MS = 6 * 60_000;
const PUSH_TIMEOUT_MS = 60_000;

export interface SuiteOptions {
  endpoint: string;
  /** The compose PostgreSQL as this machine sees it. */
  databaseUrl: string;
  /** Deploy first (default); `--no-deploy` reuses what is deployed. */
  deploy: boolean;
  /** The configuration deployed, when not deploying now. */
  config?: VigilConfig;
}

export async function runSuite(options: SuiteOptions): Promise<void> {
  const config = options.deploy ? (await step('deploy with cdklocal', () => deployToLocalStack(options.endpoint))).config : options.config!;
  const db = connect(options.databaseUrl, { maxConnections: 2, applicationName: 'vigil-localstack-suite' });
  let socket: WebSocket | undefined;
  try {
    await step('migrations were applied on deploy (the trigger ran the migrate Lambda)', async () => {
      const [row] = await db<{ count: number }[]>`select count(*)::int as count from schema_migration`;
      if (!row || row.count === 0) throw new Error('schema_migration is empty');
      return `${row.count} migrations`;
    });

    // The failing check is enabled only once the WebSocket client listens, so its change is pushed to it.
    const siteId = await step('apply the suite\'s site (refused check disabled)', () => applySite(db, { refusedEnabled: false }));
    const token = await step('a user with an API token, viewer of the site', () => makeViewer(db, siteId));
    const webSocketUrl = await step('find the WebSocket API\'s endpoint', () => webSocketEndpoint(options.endpoint, config));
    const messages: unknown[] = [];
    socket = await step(`connect to ${webSocketUrl} and subscribe to the site`, () => subscribe(webSocketUrl, token, siteId, messages));
    await step('enable the refused check', () => applySite(db, { refusedEnabled: true }));

    const states = await step('checks run through EventBridge, SQS and Lambda in both regions', () => waitForStates(db, siteId));
    const refusedId = states.get('refused')!.checkId;
    await step('CheckStateChanged went through the event bus rule and the notifier queue to the notifier Lambda, which opened an alert and a notification', () => waitForNotification(db, refusedId));
    await step('the change was pushed over the WebSocket API', () => waitForPush(messages, refusedId));
  } finally {
    socket?.close();
    await db.end({ timeout: 5 });
  }
}

async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  process.stdout.write(`- ${title} ... `);
  const startedMs = performance.now();
  try {
    const value = await run();
    const detail = typeof value === 'string' ? `: ${value}` : '';
    process.stdout.write(`ok (${((performance.now() - startedMs) / 1000).toFixed(1)} s)${detail}\n`);
    return value;
  } catch (error) {
    process.stdout.write(`FAILED after ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`);
    throw error;
  }
}

async function applySite(db: Database, options: { refusedEnabled: boolean }): Promise<string> {
  let text = await readFile(join(HERE, 'site.xml'), 'utf8');
  if (!options.refusedEnabled) text = text.replace('<service name="refused">', '<service name="refused" enabled="no">');
  const dir = await mkdtemp(join(tmpdir(), 'vigil-localstack-site-'));
  try {
    await writeFile(join(dir, 'site.xml'), text);
    const loaded = await loadFiles([join(dir, 'site.xml')]);
    if (!loaded || loaded.diagnostics.errorCount > 0) throw new Error('localstack/site.xml does not validate: run npx vigil validate localstack/site.xml');
    const [site] = loaded.sites;
    await applySiteConfiguration(db, site!, 'localstack suite');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const [row] = await db<{ id: string }[]>`select id from site where name = ${SITE}`;
  return row!.id;
}

async function makeViewer(db: Database, siteId: string): Promise<string> {
  const email = `localstack-suite-${Date.now()}@example.com`;
  // Never logged in with a password: the suite authenticates with the API token.
  const user = await createUser(db, { email, name: 'LocalStack suite', passwordHash: 'none' });
  if (!user) throw new Error(`could not create the user ${email}`);
  await setMemberRole(db, siteId, user.id, 'viewer');
  const { token } = await createApiToken(db, user.id, { name: 'localstack suite', siteId, role: 'viewer' });
  return token;
}

/**
 * The WebSocket API's URL as LocalStack serves it (its own host and port, not execute-api's), from
 * LocalStack's API Gateway v2 `GetApis`. LocalStack reads the region from the credential scope and
 * checks no signature, so a plain request does.
 */
async function webSocketEndpoint(endpoint: string, config: VigilConfig): Promise<string> {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const response = await fetch(`${endpoint}/v2/apis`, {
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${LOCALSTACK_CREDENTIALS.accessKeyId}/${day}/${config.homeRegion}/apigateway/aws4_request, SignedHeaders=host, Signature=0` },
  });
  if (!response.ok) throw new Error(`GetApis answered HTTP ${response.status}: ${await response.text()}`);
  const { items = [] } = (await response.json()) as { items?: { name: string; apiEndpoint: string; protocolType: string }[] };
  const api = items.find((item) => item.name === `${config.name}-live` && item.protocolType === 'WEBSOCKET');
  if (!api) throw new Error(`no WebSocket API named ${config.name}-live (found: ${items.map((item) => item.name).join(', ') || 'none'})`);
  return `${api.apiEndpoint.replace(/\/+$/, '')}/live`;
}

function subscribe(url: string, token: string, siteId: string, messages: unknown[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
    const timer = setTimeout(() => reject(new Error('no "subscribed" reply within 30 s')), 30_000);
    socket.on('error', (error) => reject(error));
    socket.on('unexpected-response', (_request, response) => reject(new Error(`$connect refused: HTTP ${response.statusCode}`)));
    socket.on('open', () => socket.send(JSON.stringify({ action: 'subscribe', siteId })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string; message?: string };
      messages.push(message);
      if (message.type === 'subscribed') {
        clearTimeout(timer);
        resolve(socket);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`subscribe refused: ${message.message}`));
      }
    });
  });
}

interface CheckRow {
  checkId: string;
  name: string;
  status: string;
  hard: boolean;
  output: string | null;
  locations: Record<string, string> | null;
}

/** Until health-home and health-europe are OK (europe's from eu-west-1) and refused is hard CRITICAL. */
async function waitForStates(db: Database, siteId: string): Promise<Map<string, CheckRow>> {
  const deadline = Date.now() + CHECKS_TIMEOUT_MS;
  let rows: CheckRow[] = [];
  while (Date.now() < deadline) {
    rows = await db<CheckRow[]>`
      select c.id as "checkId", c.name, s.name as status, cs.hard, cs.output,
             (select json_object_agg(l.name, ls.name)
                from check_location_state cls
                join location l on l.id = cls.location_id
                join status ls on ls.rank = cls.status
               where cls.check_id = c.id) as locations
        from "check" c
        join check_state cs on cs.check_id = c.id
        join status s on s.rank = cs.status
       where c.site_id = ${siteId} and c.kind = 'service'`;
    const byName = new Map(rows.map((row) => [row.name, row]));
    const home = byName.get('health-home');
    const europe = byName.get('health-europe');
    const refused = byName.get('refused');
    if (home?.status === 'OK' && europe?.status === 'OK' && europe.locations?.europe === 'OK' && refused?.status === 'CRITICAL' && refused.hard) return byName;
    await sleep(5_000);
  }
  throw new Error(`checks did not reach their states in ${CHECKS_TIMEOUT_MS / 60_000} minutes; last seen:\n${rows.map((row) => `  ${row.name}: ${row.status}${row.hard ? '' : ' (soft)'} ${row.output ?? ''} ${JSON.stringify(row.locations)}`).join('\n')}\n  (look at the scheduler, worker and results functions' logs: awslocal logs tail /aws/lambda/...)`);
}

async function waitForNotification(db: Database, checkId: string): Promise<string> {
  const deadline = Date.now() + PUSH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const [row] = await db<{ contact: string; status: string; kind: string; last_error: string | null }[]>`
      select n.contact, n.status, n.kind, n.last_error from alert a join notification n on n.alert_id = a.id
      where a.check_id = ${checkId} order by n.id limit 1`;
    if (row) return `${row.kind} to ${row.contact}: ${row.status}${row.last_error ? ` (${row.last_error})` : ''}`;
    await sleep(2_000);
  }
  throw new Error(`no alert and notification for the refused check within ${PUSH_TIMEOUT_MS / 1000} s: look at the notifier function's log (awslocal logs tail /aws/lambda/vigil-notifier)`);
}

async function waitForPush(messages: unknown[], checkId: string): Promise<string> {
  const deadline = Date.now() + PUSH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const message of messages as { type?: string; checks?: { checkId: string; status: string }[] }[]) {
      const change = message.type === 'checks' ? message.checks?.find((check) => check.checkId === checkId) : undefined;
      if (change) return change.status;
    }
    await sleep(500);
  }
  throw new Error(`no push of the refused check within ${PUSH_TIMEOUT_MS / 1000} s (received: ${JSON.stringify(messages).slice(0, 500)}); does the result processor push (functions/handlers/results.ts with WEBSOCKET_ENDPOINT)?`);
}
