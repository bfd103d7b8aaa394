import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockedAddressError, isBlockedAddress, resolveTarget } from '#engines/network-policy.ts';

const BLOCKED = { allowMetadataAddresses: false };
const ALLOWED = { allowMetadataAddresses: true };

describe('network policy', () => {
  const scenarios: [string, boolean][] = [
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['169.253.255.255', false],
    ['127.0.0.1', false],
    ['10.0.0.1', false],
    ['fd00:ec2::254', true],
    ['FD00:EC2:0:0:0:0:0:254', true],
    ['fd00:ec2::253', false],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['::1', false],
    // IPv4-mapped forms of the metadata address, however written: a dual-stack socket reaches it.
    ['::ffff:169.254.169.254', true],
    ['::ffff:a9fe:a9fe', true],
    ['0:0:0:0:0:ffff:169.254.169.254', true],
    ['::ffff:127.0.0.1', false],
    ['2001:db8::a9fe:a9fe', false],
    ['not an address', false],
  ];
  for (const [address, blocked] of scenarios) {
    test(`${address} is ${blocked ? 'blocked' : 'allowed'}`, () => assert.equal(isBlockedAddress(address), blocked));
  }

  test('resolveTarget refuses metadata address literals unless the site allows them', async () => {
    for (const host of ['169.254.169.254', 'fd00:ec2::254', '[fd00:ec2::254]', '::ffff:a9fe:a9fe']) {
      await assert.rejects(resolveTarget(host, BLOCKED), BlockedAddressError, host);
      const allowed = await resolveTarget(host, ALLOWED);
      assert.equal(isBlockedAddress(allowed.address), true);
    }
  });

  test('resolveTarget resolves names and allows ordinary addresses', async () => {
    const local = await resolveTarget('localhost', BLOCKED);
    assert.match(local.address, /^(127\.\d+\.\d+\.\d+|::1)$/);
    assert.deepEqual(await resolveTarget('[::1]', BLOCKED), { address: '::1', family: 6 });
    assert.deepEqual(await resolveTarget('127.0.0.1', BLOCKED), { address: '127.0.0.1', family: 4 });
  });

  test('a numeric name that the resolver reads as the metadata address is refused', async () => {
    // 2852039166 is 169.254.169.254 as one 32-bit number; getaddrinfo accepts it.
    await assert.rejects(resolveTarget('2852039166', BLOCKED), BlockedAddressError);
  });
});
