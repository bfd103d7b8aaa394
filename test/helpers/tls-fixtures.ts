/**
 * A small PKI made with the openssl CLI for TLS tests: a CA and server certificates for
 * `localhost` / 127.0.0.1 that are valid, expiring in 5 days, expired, issued for another name,
 * and self-signed. Keys are P-256 (fast to make); everything lives in a temporary directory that
 * `remove()` deletes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  /** PEM */
  cert: string;
  /** PEM */
  key: string;
}

export interface TestPki {
  /** The CA's certificate (PEM), to pass as a `ca` parameter. */
  ca: string;
  /** Issued by the CA for localhost and 127.0.0.1, valid for a year. */
  valid: TestCertificate;
  /** As `valid`, but expiring in 5 days. */
  expiringSoon: TestCertificate;
  /** As `valid`, but expired in 2020. */
  expired: TestCertificate;
  /** Issued by the CA for other.example only. */
  wrongHost: TestCertificate;
  /** For localhost and 127.0.0.1, signed by its own key. */
  selfSigned: TestCertificate;
  remove(): Promise<void>;
}

const LOCAL_NAMES = 'DNS:localhost,IP:127.0.0.1';

export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-pki-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  try {
    await writeFile(path('openssl.cnf'), opensslConfig(dir));
    await writeFile(path('index.txt'), '');
    await writeFile(path('serial'), '1000\n');
    const config = ['-config', path('openssl.cnf')];

    await openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path('ca.key'));
    await openssl('req', ...config, '-x509', '-new', '-key', path('ca.key'), '-subj', '/CN=Vigil Test CA', '-days', '3650', '-extensions', 'ca_extensions', '-out', path('ca.pem'));
    await openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path('server.key'));

    const issue = async (file: string, commonName: string, names: string, validity: string[]) => {
      await writeFile(path(`${file}.ext`), `basicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\nsubjectAltName = ${names}\n`);
      await openssl('req', ...config, '-new', '-key', path('server.key'), '-subj', `/CN=${commonName}`, '-out', path(`${file}.csr`));
      await openssl('ca', ...config, '-batch', '-notext', '-in', path(`${file}.csr`), '-extfile', path(`${file}.ext`), ...validity, '-out', path(`${file}.pem`));
    };
    await issue('valid', 'localhost', LOCAL_NAMES, ['-days', '365']);
    await issue('expiring', 'localhost', LOCAL_NAMES, ['-days', '5']);
    await issue('expired', 'localhost', LOCAL_NAMES, ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']);
    await issue('wrong-host', 'other.example', 'DNS:other.example', ['-days', '365']);
    await openssl('req', ...config, '-x509', '-new', '-key', path('server.key'), '-subj', '/CN=localhost', '-days', '365',
      '-extensions', 'server_extensions', '-out', path('self-signed.pem'));

    const key = await readFile(path('server.key'), 'utf8');
    const certificate = async (file: string): Promise<TestCertificate> => ({ cert: await readFile(path(file), 'utf8'), key });
    return {
      ca: await readFile(path('ca.pem'), 'utf8'),
      valid: await certificate('valid.pem'),
      expiringSoon: await certificate('expiring.pem'),
      expired: await certificate('expired.pem'),
      wrongHost: await certificate('wrong-host.pem'),
      selfSigned: await certificate('self-signed.pem'),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Our own configuration, so the system's openssl.cnf cannot change what gets made. */
function opensslConfig(dir: string): string {
  return `
[ ca ]
default_ca = test_ca

[ test_ca ]
database = ${dir}/index.txt
new_certs_dir = ${dir}
certificate = ${dir}/ca.pem
private_key = ${dir}/ca.key
serial = ${dir}/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none

[ any_name ]
commonName = supplied

[ req ]
distinguished_name = empty_dn
prompt = no

[ empty_dn ]

[ ca_extensions ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server_extensions ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = ${LOCAL_NAMES}
`;
}
