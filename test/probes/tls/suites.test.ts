// The suite registry: one row per assigned IANA code, classes that agree
// with the IANA name, and OpenSSL names that agree with the OpenSSL on this
// machine for every suite it knows.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { SUITES, describeSuite, suiteByCode, suiteName, suitesFor } from '../../../probes/tls/suites.js';

t.test('codes and names are unique; the SCSVs are not suites', async (t) => {
  t.equal(new Set(SUITES.map((s) => s.code)).size, SUITES.length, 'codes unique');
  t.equal(new Set(SUITES.map((s) => s.iana)).size, SUITES.length, 'IANA names unique');
  const named = SUITES.filter((s) => s.openssl).map((s) => s.openssl);
  t.equal(new Set(named).size, named.length, 'OpenSSL names unique');
  t.notOk(suiteByCode(0x00ff), 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV is a signal, not a suite');
  t.notOk(suiteByCode(0x5600), 'TLS_FALLBACK_SCSV likewise');
  t.ok(SUITES.length > 330, `${SUITES.length} suites`);
});

t.test("every row's classes agree with what its IANA name says", async (t) => {
  for (const s of SUITES) {
    const n = s.iana;
    const bad: string[] = [];
    if (s.export !== n.includes('_EXPORT_')) bad.push('export');
    if ((s.auth === 'anon') !== n.includes('_anon_')) bad.push('anon');
    if (s.mac === 'SHA1' !== /_SHA$/.test(n)) bad.push('SHA-1 MAC');
    if (s.mac === 'MD5' !== /_MD5$/.test(n)) bad.push('MD5 MAC');
    if ((s.mac === 'AEAD') !== /GCM|CCM|POLY1305|MGM|AEGIS/.test(n)) bad.push('AEAD');
    if ((s.cipher === 'NULL') !== (/_WITH_NULL_/.test(n) || /^TLS_SHA(256|384)_SHA(256|384)$/.test(n))) bad.push('NULL cipher');
    if ((s.cipher === 'RC4') !== n.includes('_RC4_')) bad.push('RC4');
    if (/^(3DES|DES)-/.test(s.cipher) !== /_DES(40)?_|_3DES_/.test(n)) bad.push('DES');
    if (s.kx === 'RSA' && !/^TLS_RSA_(EXPORT_)?WITH_/.test(n)) bad.push('static RSA');
    if (s.since === 'TLSv1.3' && s.kx !== 'any') bad.push('TLS 1.3 suites negotiate key exchange apart');
    if (s.since === 'SSLv3' && /GCM|CCM|POLY1305|_SHA256$|_SHA384$/.test(n)) bad.push('needs TLS 1.2');
    t.same(bad, [], `${hexOf(s.code)} ${n}`);
  }
});

const hexOf = (c: number) => `0x${c.toString(16).padStart(4, '0')}`;

t.test('the suites offered per version', async (t) => {
  const v13 = suitesFor('TLSv1.3').map((c) => suiteName(c).iana);
  t.ok(v13.includes('TLS_AES_128_GCM_SHA256') && v13.includes('TLS_CHACHA20_POLY1305_SHA256') && v13.includes('TLS_SHA256_SHA256'), 'TLS 1.3 suites, the integrity-only ones included');
  t.notOk(v13.includes('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'));
  const v12 = suitesFor('TLSv1.2');
  const v10 = suitesFor('TLSv1');
  t.ok(v12.includes(0xc02f) && v12.includes(0x000a) && v12.includes(0x0003), 'TLS 1.2 offers GCM, 3DES and EXPORT alike');
  t.notOk(v10.includes(0xc02f), 'no GCM suite before TLS 1.2');
  t.ok(v10.includes(0x0004) && v10.includes(0x0001), 'RC4 and NULL offered on TLS 1.0');
  t.same(suitesFor('SSLv3'), v10, 'SSLv3 is offered what TLS 1.0 is');
  t.notOk(v12.some((c) => suiteByCode(c)!.since === 'TLSv1.3'));
  t.ok(v12.length < 2 ** 15, 'fits one cipher_suites vector');
});

t.test('names in evidence carry both forms', async (t) => {
  t.same(suiteName(0x000a), { code: '0x000A', iana: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', openssl: 'DES-CBC3-SHA' });
  t.equal(describeSuite(suiteName(0x000a)), 'TLS_RSA_WITH_3DES_EDE_CBC_SHA (DES-CBC3-SHA)');
  t.equal(describeSuite(suiteName(0x1301)), 'TLS_AES_128_GCM_SHA256', 'one name when both are the same');
  t.same(suiteName(0xfafa), { code: '0xFAFA', iana: 'unassigned suite 0xFAFA', openssl: null });
});

const OPENSSL = (() => {
  try {
    return execFileSync('openssl', ['ciphers', '-V', '-stdname', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'], { encoding: 'utf8' });
  } catch {
    return null;
  }
})();

t.test('OpenSSL names and IANA names match the local OpenSSL for every suite it knows', { skip: OPENSSL ? false : 'openssl command not installed' }, async (t) => {
  const lines = OPENSSL!.split('\n').filter((l) => /0x[0-9A-F]{2},0x[0-9A-F]{2}/.test(l));
  t.ok(lines.length > 100, `${lines.length} suites in the local OpenSSL`);
  for (const line of lines) {
    const [, hi, lo, iana, name] = /0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- (\S+)/.exec(line)!;
    const s = suiteByCode(Number.parseInt(`${hi}${lo}`, 16));
    t.match(s, { iana, openssl: name }, `${hi}${lo} ${name}`);
  }
});
