import { test } from 'tap'
import AES from 'crypto-js/aes.js'
import encUtf8 from 'crypto-js/enc-utf8.js'
import { connectPassphrase, encryptForCli } from '#keys/connect-cipher.js'

test('crypto-js\'s own AES decrypts what the gateway encrypts for `aigne hub connect`', async (t) => {
  const secret = 'hgk_' + 'x'.repeat(40) + '-é✓'
  const keyId = '0f6c1f1e-5c3b-4a8e-9d0e-3f1a2b3c4d5e'
  const challenge = 'a-random-challenge'
  const sealed = encryptForCli(secret, keyId, challenge)
  t.equal(Buffer.from(sealed, 'base64').subarray(0, 8).toString('latin1'), 'Salted__', 'OpenSSL format')
  // exactly what @aigne/cli's decrypt(m, s, i) does
  t.equal(AES.decrypt(sealed, connectPassphrase(keyId, challenge)).toString(encUtf8), secret)
  t.not(encryptForCli(secret, keyId, challenge), sealed, 'a fresh salt each time')
  const wrong = (): string => { try { return AES.decrypt(sealed, connectPassphrase(keyId, 'another challenge')).toString(encUtf8) } catch { return '' } }
  t.not(wrong(), secret, 'the wrong challenge does not open it')
})
