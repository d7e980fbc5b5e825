import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GeoDb } from '../../../src/threat/geo.js';
import { country, writeMmdb } from '../../fixtures/threat/mmdb-writer.js';
import { silent } from '../helpers.js';

describe('GeoDb (MaxMind .mmdb through the maxmind package)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'geo-'));
  const file = join(dir, 'country.mmdb');
  writeMmdb(file, [['198.51.100.0/24', country('DE', 'Germany')], ['203.0.113.0/24', country('KP', 'North Korea')], ['2001:db8::/32', country('JP', 'Japan')]]);

  it('looks up IPv4 and IPv6 countries; unknown for addresses not in the database', async () => {
    const g = new GeoDb(file, silent);
    await g.load();
    assert.equal(g.country('198.51.100.7'), 'DE');
    assert.equal(g.country('203.0.113.9'), 'KP');
    assert.equal(g.country('2001:db8::5'), 'JP');
    assert.equal(g.country('192.0.2.1'), undefined);
    assert.equal(g.country('not-an-ip'), undefined);
  });

  it('picks up a new database and keeps the old one when the new file is broken', async () => {
    const g = new GeoDb(file, silent);
    await g.load();
    writeMmdb(file, [['198.51.100.0/24', country('FR', 'France')]]);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(await g.load(), true);
    assert.equal(g.country('198.51.100.7'), 'FR');
    writeFileSync(file, 'not a maxmind database');
    utimesSync(file, new Date(), new Date(Date.now() + 10000));
    await assert.rejects(g.load());
    assert.equal(g.country('198.51.100.7'), 'FR');
  });
});
